# Run by `cmake --install` (make install): the service unit with this install's paths,
# and the example settings as /etc/lotsen/lotsen.conf unless that file is already there.
# Paths come from the install-time prefix, so `--prefix` and DESTDIR both work.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
	set(etc "/etc")
else()
	set(etc "${prefix}/etc")
endif()
set(BINDIR "${prefix}/bin")
set(SYSCONFDIR "${etc}")
set(DOCDIR "${prefix}/share/doc/lotsen")
set(root "$ENV{DESTDIR}")

set(unit "${root}${prefix}/lib/systemd/system/lotsen.service")
message(STATUS "Installing: ${unit}")
configure_file("${LOTSEN_DIST}/systemd/lotsen.service.in" "${unit}" @ONLY)
file(CHMOD "${unit}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(conf "${root}${etc}/lotsen/lotsen.conf")
if(EXISTS "${conf}")
	message(STATUS "Keeping: ${conf} (already there; the example is in ${DOCDIR})")
else()
	# file(INSTALL) adds DESTDIR itself. Readable by all: the service's user reads it and
	# it holds no secret.
	file(INSTALL "${LOTSEN_DIST}/lotsen.conf.example" DESTINATION "${etc}/lotsen"
		RENAME lotsen.conf PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
