"""Robustness of the SIP front end: the RFC 4475 torture messages over UDP and TCP, cut and
oversized messages, garbage; then a caller hanging up at every step of a call, after which
the server must hold no call, no socket and no timer (the ASan run checks for leaks)."""
import os
import re
import shutil
import socket
import json
import threading
import time
import unittest
import uuid

from harness import ServerTest, free_port, connect
import test_sip  # not its classes by name: the loader would run them here again
from test_sip import ALWAYS, ENTRY, Sipp

SIPP = shutil.which("sipp")
SIP_PORT = free_port()
HANGUP_SIP_PORT = free_port()
RTP_TIMEOUT_SIP_PORT = free_port()
CRLF = "\r\n"

SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")

# ---- RFC 4475 torture messages ---------------------------------------------------------
# Typed in from the RFC (section numbers given), with the host names left as they are:
# Lotsen answers to where a request came from. {uri} is a number that is no entry number
# (the request is handled but finds nobody), {entry} the demo's entry number, {n} makes
# Call-IDs unique per send. Each has the status the RFC asks for; None means "not
# answerable": libre drops what it cannot parse (a UDP datagram) or closes the TCP
# connection, and Lotsen never sees it. A tuple lists what the RFC allows.

TORTURE = {
    # 3.1.1.1 A short tortuous INVITE: folding, odd case, escaped quotes, unknown headers.
    # It carries a To tag, so it is a re-INVITE in a dialog Lotsen does not have: 481.
    "wsinv": ("INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
              "TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
              "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
              "  ;\r\n  tag = 98asjd8\r\n"
              "MaX-fOrWaRdS: 0068\r\n"
              "Call-ID: wsinv.ndaksdj{n}@192.0.2.1\r\n"
              "Content-Length   : {len}\r\n"
              "cseq: 0009\r\n  INVITE\r\n"
              "Via  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw{n}\r\n"
              "s :\r\n"
              "NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n"
              "UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
              "Content-Type: application/sdp\r\n"
              "Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
              "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"
              "  branch  =   z9hG4bK9ikj8  ,\r\n"
              " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n"
              "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
              "      newvalue ;\r\n  secondparam ; q = 0.33\r\n\r\n"
              "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\n"
              "t=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\n"
              "a=rtpmap:31 LPC\r\n", (481, None)),
    # 3.1.1.2 Wide range of valid characters: an unknown method is 501.
    "intmeth": ("!interesting-Method0123456789_*+`.%indeed'~ "
                "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
                "@example.com SIP/2.0\r\n"
                "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~{n}\r\n"
                "To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" "
                "<sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\r\n"
                "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>"
                ";fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\""
                ";tag=_token~1'+`*%!-.\r\n"
                "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{{n}\r\n"
                "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"
                "Max-Forwards: 255\r\n"
                "extensionHeader-!.%*+_`'~: \xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb\r\n"
                "Content-Length: 0\r\n\r\n", (501, 400, None)),
    # 3.1.1.3 Valid use of the % escaping mechanism: a user part that is no number, 404.
    "esc01": ("INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n"
              "To: sip:%75se%72@example.com\r\n"
              "From: <sip:I%20have%20spaces@example.net>;tag=938{n}\r\n"
              "Max-Forwards: 87\r\n"
              "i: esc01.239409asdfakjkn23onasd0-3234{n}\r\n"
              "CSeq: 234234 INVITE\r\n"
              "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw{n}\r\n"
              "C: application/sdp\r\n"
              "Contact:\r\n  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n"
              "Content-Length: {len}\r\n\r\n" + SDP, 404),
    # 3.1.1.4 Escaped nulls in URIs: a REGISTER, challenged like any other.
    "escnull": ("REGISTER sip:example.com SIP/2.0\r\n"
                "To: sip:null-%00-null@example.com\r\n"
                "From: sip:null-%00-null@example.com;tag=839923423{n}\r\n"
                "Max-Forwards: 70\r\n"
                "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd{n}\r\n"
                "CSeq: 14398234 REGISTER\r\n"
                "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw{n}\r\n"
                "Contact: <sip:%00@host5.example.com>\r\n"
                "Contact: <sip:%00%00@host5.example.com>\r\n"
                "L:0\r\n\r\n", 401),
    # 3.1.1.5 Use of % when it is not an escape: the method is not REGISTER, so 501.
    "esc02": ("RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n"
              "To: \"%Z%45\" <sip:resource@example.com>\r\n"
              "From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23{n}\r\n"
              "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf{n}\r\n"
              "Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234{n}\r\n"
              "CSeq: 29344 RE%47IST%45R\r\n"
              "Max-Forwards: 70\r\n"
              "Contact: <sip:alias1@host1.example.com>\r\n"
              "C%6Fntact: <sip:alias2@host2.example.com>\r\n"
              "Contact: <sip:alias3@host3.example.com>\r\n"
              "l: 0\r\n\r\n", 501),
    # 3.1.1.6 No LWS between the display name and <: handled, OPTIONS answered.
    "lwsdisp": ("OPTIONS sip:user@example.com SIP/2.0\r\n"
                "To: sip:user@example.com\r\n"
                "From: caller<sip:caller@example.com>;tag=323{n}\r\n"
                "Max-Forwards: 70\r\n"
                "Call-ID: lwsdisp.1234abcd@funky.example.com{n}\r\n"
                "CSeq: 60 OPTIONS\r\n"
                "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw{n}\r\n"
                "l: 0\r\n\r\n", 200),
    # 3.1.2.2 Content-Length larger than the message: over UDP the rest cannot come, 400.
    "clerr": ("INVITE sip:user@example.com SIP/2.0\r\n"
              "Max-Forwards: 80\r\n"
              "To: sip:j.user@example.com\r\n"
              "From: sip:caller@example.net;tag=93942939o2{n}\r\n"
              "Contact: <sip:caller@hungry.example.net>\r\n"
              "Call-ID: clerr.0ha0isndaksdjweiafasdk3{n}\r\n"
              "CSeq: 8 INVITE\r\n"
              "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523{n}\r\n"
              "Content-Type: application/sdp\r\n"
              "Content-Length: 9999\r\n\r\n" + SDP, 400),
    # 3.1.2.3 Negative Content-Length: 400.
    "ncl": ("INVITE sip:user@example.com SIP/2.0\r\n"
            "Max-Forwards: 254\r\n"
            "To: sip:j.user@example.com\r\n"
            "From: sip:caller@example.net;tag=32394234{n}\r\n"
            "Call-ID: ncl.0ha0isndaksdj2193423r542w35{n}\r\n"
            "CSeq: 0 INVITE\r\n"
            "Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw{n}\r\n"
            "Contact: <sip:caller@example53.example.net>\r\n"
            "Content-Type: application/sdp\r\n"
            "Content-Length: -999\r\n\r\n" + SDP, (400, None)),
    # 3.1.2.4 Request scalar fields with overlarge values: 400.
    "scalar02": ("REGISTER sip:example.com SIP/2.0\r\n"
                 "Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3{n}\r\n"
                 "To: <sip:user@example.com>\r\n"
                 "From: <sip:user@example.com>;tag=239232jh3{n}\r\n"
                 "CSeq: 36893488147419103232 REGISTER\r\n"
                 "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32{n}\r\n"
                 "Max-Forwards: 300\r\n"
                 "Expires: 1000000000000000000000000000000000000000000000000000000\r\n"
                 "Contact: <sip:user@host129.example.com>\r\n"
                 "  ;expires=280297596632815\r\n"
                 "Content-Length: 0\r\n\r\n", 400),
    # 3.1.2.6 Unterminated quoted string in a display name: 400.
    "quotbal": ("INVITE sip:user@example.com SIP/2.0\r\n"
                "To: \"Mr. J. User <sip:j.user@example.com>\r\n"
                "From: sip:caller@example.net;tag=93334{n}\r\n"
                "Max-Forwards: 10\r\n"
                "Call-ID: quotbal.aksdj{n}\r\n"
                "Contact: <sip:caller@host59.example.net>\r\n"
                "CSeq: 8 INVITE\r\n"
                "Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234{n}\r\n"
                "Content-Type: application/sdp\r\n"
                "Content-Length: {len}\r\n\r\n" + SDP, (400, None)),
    # 3.1.2.7 <> enclosing the request-URI: 400.
    "ltgtruri": ("INVITE <sip:user@example.com> SIP/2.0\r\n"
                 "To: sip:user@example.com\r\n"
                 "From: sip:caller@example.net;tag=39291{n}\r\n"
                 "Max-Forwards: 23\r\n"
                 "Call-ID: ltgtruri.1@192.0.2.5{n}\r\n"
                 "CSeq: 1 INVITE\r\n"
                 "Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKkdjuw{n}\r\n"
                 "Contact: <sip:caller@host5.example.net>\r\n"
                 "Content-Type: application/sdp\r\n"
                 "Content-Length: {len}\r\n\r\n" + SDP, (400, None)),
    # 3.1.2.8 Malformed SIP request-URI (embedded LWS): 400.
    "lwsruri": ("INVITE sip:user@example.com; lr SIP/2.0\r\n"
                "To: sip:user@example.com;tag=3xfe-9921883-z9f{n}\r\n"
                "From: sip:caller@example.net;tag=231413434{n}\r\n"
                "Max-Forwards: 5\r\n"
                "Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423{n}\r\n"
                "CSeq: 2130706432 INVITE\r\n"
                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395{n}\r\n"
                "Contact: <sip:caller1@host.example.net>\r\n"
                "Content-Type: application/sdp\r\n"
                "Content-Length: {len}\r\n\r\n" + SDP, (400, None)),
    # 3.1.2.9 Multiple SP separating request-line elements: 400.
    "lwsstart": ("INVITE  sip:user@example.com  SIP/2.0\r\n"
                 "Max-Forwards: 8\r\n"
                 "To: sip:user@example.com\r\n"
                 "From: sip:caller@example.net;tag=8814{n}\r\n"
                 "Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com{n}\r\n"
                 "CSeq: 1893884 INVITE\r\n"
                 "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923{n}\r\n"
                 "Contact: <sip:caller@host1.example.net>\r\n"
                 "Content-Type: application/sdp\r\n"
                 "Content-Length: {len}\r\n\r\n" + SDP, (400, None)),
    # 3.1.2.10 SP characters at the end of the request-line: 400.
    "trws": ("OPTIONS sip:remote-target@example.com SIP/2.0  \r\n"
             "Via: SIP/2.0/TCP host1.examle.com;branch=z9hG4bK299342093{n}\r\n"
             "To: <sip:remote-target@example.com>\r\n"
             "From: <sip:local-resource@example.com>;tag=329429089{n}\r\n"
             "Call-ID: trws.oicu34958239neffasdhr2345r{n}\r\n"
             "Accept: application/sdp\r\n"
             "CSeq: 238923 OPTIONS\r\n"
             "Max-Forwards: 70\r\n"
             "Content-Length: 0\r\n\r\n", (400, None)),
    # 3.1.2.11 Escaped headers in the request-URI: 400.
    "escruri": ("INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0\r\n"
                "To: sip:user@example.com\r\n"
                "From: sip:caller@example.net;tag=341518{n}\r\n"
                "Max-Forwards: 7\r\n"
                "Contact: <sip:caller@host39923.example.net>\r\n"
                "Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5{n}\r\n"
                "CSeq: 149209342 INVITE\r\n"
                "Via: SIP/2.0/UDP host-of-the-hour.example.com;branch=z9hG4bKkdjuw{n}\r\n"
                "Content-Type: application/sdp\r\n"
                "Content-Length: {len}\r\n\r\n" + SDP, (400, None)),
    # 3.1.2.12 Invalid time zone in Date: Lotsen does not use Date, the INVITE goes on (404).
    "baddate": ("INVITE sip:user@example.com SIP/2.0\r\n"
                "To: sip:user@example.com\r\n"
                "From: sip:caller@example.net;tag=2234923{n}\r\n"
                "Max-Forwards: 70\r\n"
                "Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234{n}\r\n"
                "CSeq: 1392934 INVITE\r\n"
                "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw{n}\r\n"
                "Date: Fri, 01 Jan 2010 16:00:00 EST\r\n"
                "Contact: <sip:caller@host5.example.net>\r\n"
                "Content-Type: application/sdp\r\n"
                "Content-Length: {len}\r\n\r\n" + SDP, (404, 400)),
    # 3.1.2.13 Failure to enclose a name-addr URI with ? in <>: 400.
    "regbadct": ("REGISTER sip:example.com SIP/2.0\r\n"
                 "To: sip:user@example.com\r\n"
                 "From: sip:user@example.com;tag=998332{n}\r\n"
                 "Max-Forwards: 70\r\n"
                 "Call-ID: regbadct.k345asrl3fdbv@10.0.0.1{n}\r\n"
                 "CSeq: 1 REGISTER\r\n"
                 "Via: SIP/2.0/UDP 135.180.130.133:5060;branch=z9hG4bKkdjuw{n}\r\n"
                 "Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E\r\n"
                 "l: 0\r\n\r\n", (400, None)),
    # 3.1.2.14 Spaces within an addr-spec: 400.
    "badaspec": ("OPTIONS sip:user@example.org SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234{n}\r\n"
                 "Max-Forwards: 70\r\n"
                 "From: \"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=433423{n}\r\n"
                 "To: \"Watson, Thomas\" < sip:t.watson@example.org >\r\n"
                 "Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3{n}\r\n"
                 "Accept: application/sdp\r\n"
                 "CSeq: 3923239 OPTIONS\r\n"
                 "l: 0\r\n\r\n", (400, None)),
    # 3.1.2.15 Non-token characters in a display name: 400.
    "baddn": ("OPTIONS sip:t.watson@example.org SIP/2.0\r\n"
              "Via: SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw{n}\r\n"
              "Max-Forwards: 70\r\n"
              "From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43{n}\r\n"
              "To: Watson, Thomas <sip:t.watson@example.org>\r\n"
              "Call-ID: baddn.31415@c.example.com{n}\r\n"
              "Accept: application/sdp\r\n"
              "CSeq: 3923239 OPTIONS\r\n"
              "l: 0\r\n\r\n", 400),
    # 3.1.2.16 Unknown protocol version: 505 says the RFC, but libre takes a request-line
    # without SIP/2.0 for a malformed response and drops it before Lotsen sees it.
    "badvers": ("OPTIONS sip:t.watson@example.org SIP/7.0\r\n"
                "Via: SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw{n}\r\n"
                "Max-Forwards: 70\r\n"
                "From: A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe{n}\r\n"
                "To: T. Watson <sip:t.watson@example.org>\r\n"
                "Call-ID: badvers.31417@c.example.com{n}\r\n"
                "CSeq: 1 OPTIONS\r\n"
                "l: 0\r\n\r\n", (505, None)),
    # 3.1.2.17 Start line and CSeq method mismatch: 400.
    "mismatch01": ("OPTIONS sip:user@example.com SIP/2.0\r\n"
                   "To: sip:j.user@example.com\r\n"
                   "From: sip:caller@example.net;tag=34525{n}\r\n"
                   "Max-Forwards: 6\r\n"
                   "Call-ID: mismatch01.dj0234sxdfl3{n}\r\n"
                   "CSeq: 8 INVITE\r\n"
                   "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw{n}\r\n"
                   "l: 0\r\n\r\n", 400),
    # 3.1.2.18 Unknown method with CSeq method mismatch: 400 (or 501).
    "mismatch02": ("NEWMETHOD sip:user@example.com SIP/2.0\r\n"
                   "To: sip:j.user@example.com\r\n"
                   "From: sip:caller@example.net;tag=34525{n}\r\n"
                   "Max-Forwards: 6\r\n"
                   "Call-ID: mismatch02.dj0234sxdfl3{n}\r\n"
                   "CSeq: 8 INVITE\r\n"
                   "Contact: <sip:caller@host.example.net>\r\n"
                   "Via: SIP/2.0/UDP host.example.net;branch=z9hG4bKkdjuw{n}\r\n"
                   "Content-Type: application/sdp\r\n"
                   "l: {len}\r\n\r\n" + SDP, (400, 501)),
    # 3.2.1 Missing transaction identifier (only the magic cookie as branch): handled.
    "badbranch": ("OPTIONS sip:user@example.com SIP/2.0\r\n"
                  "To: sip:user@example.com\r\n"
                  "From: sip:caller@example.org;tag=33242{n}\r\n"
                  "Max-Forwards: 3\r\n"
                  "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK\r\n"
                  "Accept: application/sdp\r\n"
                  "Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n{n}\r\n"
                  "CSeq: 8 OPTIONS\r\n"
                  "l: 0\r\n\r\n", 200),
    # 3.3.1 Missing required header fields (To, From, Call-ID): 400.
    "insuf": ("INVITE sip:user@example.com SIP/2.0\r\n"
              "CSeq: {seq} INVITE\r\n"
              "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf{n}\r\n"
              "Content-Type: application/sdp\r\n"
              "l: {len}\r\n\r\n" + SDP, 400),
    # 3.3.2 Request-URI with an unknown scheme: 416.
    "unkscm": ("OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\r\n"
               "To: sip:user@example.com\r\n"
               "From: sip:caller@example.net;tag=384{n}\r\n"
               "Max-Forwards: 3\r\n"
               "Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34{n}\r\n"
               "CSeq: 3923423 OPTIONS\r\n"
               "Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234{n}\r\n"
               "Content-Length: 0\r\n\r\n", 416),
    # 3.3.3 Request-URI with a known but atypical scheme (soap.beep): 416.
    "novelsc": ("OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0\r\n"
                "To: sip:user@example.com\r\n"
                "From: sip:caller@example.net;tag=384{n}\r\n"
                "Max-Forwards: 3\r\n"
                "Call-ID: novelsc.asdfasser0q239nwsdfasdkl34{n}\r\n"
                "CSeq: 3923423 OPTIONS\r\n"
                "Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234{n}\r\n"
                "Content-Length: 0\r\n\r\n", (416, None)),
    # 3.3.4 Unknown URI scheme in To of a REGISTER: no user part to register, 400.
    "unksm2": ("REGISTER sip:example.com SIP/2.0\r\n"
               "To: isbn:2983792873\r\n"
               "From: <http://www.example.com>;tag=3234233{n}\r\n"
               "Call-ID: unksm2.daksdj@hyphenated-host.example.com{n}\r\n"
               "CSeq: 234902 REGISTER\r\n"
               "Max-Forwards: 70\r\n"
               "Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKkdjuw{n}\r\n"
               "Contact: <name@127.0.0.1>\r\n"
               "l: 0\r\n\r\n", (400, None)),
    # 3.3.5 Proxy-Require and Require with unknown option tags: 420 naming them.
    "bext01": ("OPTIONS sip:user@example.com SIP/2.0\r\n"
               "To: sip:j_user@example.com\r\n"
               "From: sip:caller@example.net;tag=242etr{n}\r\n"
               "Max-Forwards: 6\r\n"
               "Call-ID: bext01.0ha0isndaksdj{n}\r\n"
               "Require: nothingSupportsThis, nothingSupportsThisEither\r\n"
               "Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\r\n"
               "CSeq: 8 OPTIONS\r\n"
               "Via: SIP/2.0/TLS fold-and-staple.example.com;branch=z9hG4bKkdjuw{n}\r\n"
               "Content-Length: 0\r\n\r\n", 420),
    # 3.3.6 Unknown Content-Type: 415.
    "invut": ("INVITE sip:{entry}@example.com SIP/2.0\r\n"
              "Contact: <sip:caller@host5.example.net>\r\n"
              "To: sip:j.user@example.com\r\n"
              "From: sip:caller@example.net;tag=8392034{n}\r\n"
              "Max-Forwards: 70\r\n"
              "Call-ID: invut.0ha0isndaksdjadsfij34n23d{n}\r\n"
              "CSeq: 235448 INVITE\r\n"
              "Via: SIP/2.0/UDP somehost.example.com;branch=z9hG4bKkdjuw{n}\r\n"
              "Content-Type: application/unknownformat\r\n"
              "Content-Length: 40\r\n\r\n"
              "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n", 415),
    # 3.3.7 Unknown authorization scheme: challenged with Digest, 401.
    "regaut01": ("REGISTER sip:example.com SIP/2.0\r\n"
                 "To: sip:j.user@example.com\r\n"
                 "From: sip:j.user@example.com;tag=87321hj23128{n}\r\n"
                 "Max-Forwards: 8\r\n"
                 "Call-ID: regaut01.0ha0isndaksdj{n}\r\n"
                 "CSeq: 9338 REGISTER\r\n"
                 "Via: SIP/2.0/TCP 192.0.2.253;branch=z9hG4bKkdjuw{n}\r\n"
                 "Authorization: NoOneKnowsThisScheme opaque-data=here\r\n"
                 "Content-Length:0\r\n\r\n", 401),
    # 3.3.8 Multiple values in single-value header fields: 400.
    "multi01": ("INVITE sip:user@company.com SIP/2.0\r\n"
                "Contact: <sip:caller@host25.example.net>\r\n"
                "Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw{n}\r\n"
                "Max-Forwards: 70\r\n"
                "CSeq: 5 INVITE\r\n"
                "Call-ID: multi01.98asdh@192.0.2.1{n}\r\n"
                "CSeq: 59 INVITE\r\n"
                "Call-ID: multi01.98asdh@192.0.2.2{n}\r\n"
                "From: sip:caller@example.com;tag=3413415{n}\r\n"
                "To: sip:user@example.com\r\n"
                "To: sip:other@example.net\r\n"
                "From: sip:caller@example.net;tag=2923420123{n}\r\n"
                "Content-Type: application/sdp\r\n"
                "l: {len}\r\n"
                "Contact: <sip:caller@host36.example.net>\r\n\r\n" + SDP, 400),
    # 3.3.9 Multiple Content-Length values: 400.
    "mcl01": ("OPTIONS sip:user@example.com SIP/2.0\r\n"
              "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423{n}\r\n"
              "To: sip:user@example.com\r\n"
              "From: sip:other@example.net;tag=3923942{n}\r\n"
              "Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf{n}\r\n"
              "CSeq: 15932 OPTIONS\r\n"
              "Content-Length: 13\r\n"
              "Max-Forwards: 60\r\n"
              "Content-Length: 5\r\n"
              "Content-Type: text/plain\r\n\r\n"
              "There's no way to know how many octets are supposed to be here.", 400),
    # 3.3.12 Max-Forwards of zero: Lotsen is the endpoint, not a proxy, so it answers.
    "zeromf": ("OPTIONS sip:user@example.com SIP/2.0\r\n"
               "To: sip:user@example.com\r\n"
               "From: sip:caller@example.net;tag=3ghsd41{n}\r\n"
               "Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas{n}\r\n"
               "CSeq: 39234321 OPTIONS\r\n"
               "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw2349i{n}\r\n"
               "Max-Forwards: 0\r\n"
               "Content-Length: 0\r\n\r\n", 200),
    # 3.3.15 Unacceptable Accept offering (an answer in a type nobody knows): 406.
    "sdp01": ("INVITE sip:{entry}@example.com SIP/2.0\r\n"
              "To: sip:j_user@example.com\r\n"
              "Contact: <sip:caller@host15.example.net>\r\n"
              "From: sip:caller@example.net;tag=234{n}\r\n"
              "Max-Forwards: 5\r\n"
              "Call-ID: sdp01.ndaksdj9342dasdd{n}\r\n"
              "Accept: text/nobodyKnowsThis\r\n"
              "CSeq: 8 INVITE\r\n"
              "Via: SIP/2.0/UDP 60.home.example.com;branch=z9hG4bKkdjuw{n}\r\n"
              "Content-Type: application/sdp\r\n"
              "Content-Length: {len}\r\n\r\n" + SDP, 406),
    # 3.4.2 An RFC 2543 INVITE (no branch, no From tag). The RFC asks that it be handled;
    # libre's Via parser requires a branch and drops it (it could not be answered as a
    # dialog anyway: Lotsen requires the From tag, 400).
    "inv2543": ("INVITE sip:{entry}@example.com SIP/2.0\r\n"
                "To: sip:j.user@example.com\r\n"
                "From: sip:caller@example.net\r\n"
                "Max-Forwards: 70\r\n"
                "Call-ID: inv2543.1717@192.0.2.15{n}\r\n"
                "CSeq: 1 INVITE\r\n"
                "Via: SIP/2.0/UDP 192.0.2.15\r\n"
                "Contact: <sip:caller@192.0.2.15>\r\n"
                "Content-Type: application/sdp\r\n"
                "Content-Length: {len}\r\n\r\n" + SDP, (400, None)),
    # 3.1.1.9 Semicolon-separated parameters in the URI user part: OPTIONS answered.
    "semiuri": ("OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\n"
                "To: sip:j_user@example.com\r\n"
                "From: sip:caller@example.org;tag=33242{n}\r\n"
                "Max-Forwards: 3\r\n"
                "Call-ID: semiuri.0ha0isndaksdj{n}\r\n"
                "CSeq: 8 OPTIONS\r\n"
                "Accept: application/sdp, application/pkcs7-mime,\r\n"
                "        multipart/mixed, multipart/signed,\r\n"
                "        message/sip, message/sipfrag\r\n"
                "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw{n}\r\n"
                "l: 0\r\n\r\n", 200),
    # 3.1.1.10 Variety of transport types in Via: OPTIONS answered.
    "transports": ("OPTIONS sip:user@example.com SIP/2.0\r\n"
                   "To: sip:user@example.com\r\n"
                   "From: <sip:caller@example.com>;tag=323{n}\r\n"
                   "Max-Forwards: 70\r\n"
                   "Call-ID: transports.kijh4akdnaqjkwendsasfdj{n}\r\n"
                   "Accept: application/sdp\r\n"
                   "CSeq: 60 OPTIONS\r\n"
                   "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw{n}\r\n"
                   "Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n"
                   "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\r\n"
                   "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\n"
                   "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\r\n"
                   "l: 0\r\n\r\n", 200),
    # 3.1.1.11 Multipart MIME body: Lotsen takes only a plain SDP offer, 415.
    "mpart01": ("INVITE sip:{entry}@example.com SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 192.0.2.20;branch=z9hG4bKkdjuw{n}\r\n"
                "Max-Forwards: 70\r\n"
                "From: sip:caller@example.com;tag=23412{n}\r\n"
                "To: <sip:{entry}@example.com>\r\n"
                "Call-ID: mpart01.0ha0isndaksdjasdf3234nas{n}\r\n"
                "CSeq: 8 INVITE\r\n"
                "Contact: <sip:caller@host20.example.com>\r\n"
                "Content-Type: multipart/mixed;boundary=7a9cbec02ceef655\r\n"
                "Content-Length: {len}\r\n\r\n"
                "--7a9cbec02ceef655\r\nContent-Type: application/sdp\r\n\r\n" + SDP +
                "\r\n--7a9cbec02ceef655\r\nContent-Type: text/plain\r\n\r\nHej\r\n"
                "--7a9cbec02ceef655--\r\n", 415),
    # 3.1.1.12 Unusual reason phrase, 3.1.1.13 empty reason phrase, 3.1.2.19 overlarge
    # response code: responses to nothing Lotsen sent, dropped without an answer.
    "unreason": ("SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe "
                 "\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe "
                 "\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - \xe6\x99\xae\xe9\x80\x9a\r\n"
                 "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\n"
                 "Call-ID: unreason.1234ksdfak3j2erwedfsASdf{n}\r\n"
                 "CSeq: 35 INVITE\r\n"
                 "From: sip:user@example.com;tag=11141343\r\n"
                 "To: sip:user@example.edu;tag=2229\r\n"
                 "Content-Length: {len}\r\n"
                 "Content-Type: application/sdp\r\n"
                 "Contact: <sip:user@host198.example.com>\r\n\r\n" + SDP, None),
    "noreason": ("SIP/2.0 100 \r\n"
                 "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
                 "Call-ID: noreason.asndj203insdf99223ndf{n}\r\n"
                 "CSeq: 35 INVITE\r\n"
                 "From: <sip:user@example.com>;tag=39ansfi3\r\n"
                 "To: <sip:user@example.edu>;tag=902jndnke3\r\n"
                 "Content-Length: 0\r\n"
                 "Contact: <sip:user@host105.example.com>\r\n\r\n", None),
    "bigcode": ("SIP/2.0 4294967301 better not break the receiver\r\n"
                "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
                "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3{n}\r\n"
                "CSeq: 3923239 OPTIONS\r\n"
                "From: <sip:user@example.com>;tag=39ansfi3\r\n"
                "To: <sip:user@example.edu>;tag=902jndnke3\r\n"
                "Content-Length: 0\r\n"
                "Contact: <sip:user@host105.example.com>\r\n\r\n", None),
}

# 3.1.1.7 Long values in header fields: a 404 that echoes the long To tag.
LONG = "longreq" + "very" * 64
TORTURE["longreq"] = (
    "INVITE sip:user@example.com SIP/2.0\r\n"
    f"To: \"I have a user name of {'extreme' * 10} proportion\"<sip:user@example.com:6000;"
    f"unknownparam1=very{'long' * 20}value;longparam{'name' * 25}=shortvalue;"
    f"very{'long' * 25}ParameterNameWithNoValue>\r\n"
    f"F: sip:{'amazinglylongcallername' * 10}@example.net"
    f";tag=12{'98' * 80}{{n}};unknownheaderparam{'name' * 20}=unknowheaderparam{'value' * 15}"
    f";unknownValuelessparam{'name' * 20}\r\n"
    f"Call-ID: {LONG}{{n}}\r\n"
    "CSeq: 3882340 INVITE\r\n"
    + "".join(f"Via: SIP/2.0/TCP sip{i}.example.com;branch=z9hG4bK{'12' * 10}{i}{{n}}\r\n"
              for i in range(1, 20))
    + f"Unknown-{'Long' * 20}-Name: unknown-{'long' * 20}-value; unknown-{'long' * 20}"
    f"-parameter-name = unknown-{'long' * 20}-parameter-value\r\n"
    "Max-Forwards: 70\r\n"
    f"Contact: <sip:{'amazinglylongcallername' * 10}@host5.example.net>\r\n"
    "Content-Type: application/sdp\r\n"
    "l: {len}\r\n\r\n" + SDP, 404)

# 3.1.1.8 Extra trailing octets in a UDP datagram: the REGISTER is answered (a challenge),
# the INVITE after its end is not (over TCP it is a second request, answered on its own).
TORTURE["dblreq"] = (
    "REGISTER sip:example.com SIP/2.0\r\n"
    "To: sip:j.user@example.com\r\n"
    "From: sip:j.user@example.com;tag=43251j3j324{n}\r\n"
    "Max-Forwards: 8\r\n"
    "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412{n}\r\n"
    "Contact: sip:j.user@host.example.com\r\n"
    "CSeq: 8 REGISTER\r\n"
    "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492{n}\r\n"
    "Content-Length: 0\r\n\r\n"
    "INVITE sip:joe@example.com SIP/2.0\r\n"
    "t: sip:joe@example.com\r\n"
    "From: sip:caller@example.net;tag=141334{n}\r\n"
    "Max-Forwards: 8\r\n"
    "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15{n}\r\n"
    "CSeq: 8 INVITE\r\n"
    "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234{n}\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: {len}\r\n\r\n" + SDP, 401)


def render(name, n, transport):
    """The message as bytes: {n} made unique, {len} the body's length, {entry} the entry
    number. Non-ASCII octets are written as \\x escapes, so latin-1 gives them back.
    Over UDP the top Via gets `rport`, so the answer comes back to this socket rather than
    to port 5060 of the Via's host (RFC 3581). Over TCP the documentation addresses in the
    Vias change, so no request is taken for a retransmission of its UDP twin (badbranch and
    inv2543 have no usable branch: the transaction is told apart by sent-by)."""
    text = TORTURE[name][0].replace("{n}", n).replace("{entry}", ENTRY)
    text = text.replace("{seq}", str(time.time_ns() % 1000000000))
    body = text.split("\r\n\r\n")[-1]  # dblreq: the INVITE's body after its blank line
    text = text.replace("{len}", str(len(body.encode("latin-1"))))
    if transport == "tcp":
        text = text.replace("SIP/2.0/UDP", "SIP/2.0/TCP", 1).replace("192.0.2.", "198.51.100.")
    else:
        lines = text.split("\r\n")
        for i, line in enumerate(lines):
            if re.match(r"(?i)(via|v)\s*:", line):
                j = i  # the header's last line: folded lines start with white space
                while j + 1 < len(lines) and lines[j + 1][:1] in (" ", "\t"):
                    j += 1
                lines[j] += ";rport"
                break
        text = "\r\n".join(lines)
    return text.encode("latin-1")


def final_status(data):
    """The status of the last final response in `data`, or None."""
    codes = [int(m.group(1)) for m in re.finditer(rb"SIP/2\.0 (\d{3}) ", data)]
    final = [c for c in codes if c >= 200]
    return final[-1] if final else None


def options(port, lport, n):
    return ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKfence%s\r\n"
            "From: <sip:monitor@127.0.0.1>;tag=f%s\r\nTo: <sip:127.0.0.1>\r\nCall-ID: fence%s\r\n"
            "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            % (port, lport, n, n, n)).encode()


class Udp:
    """A UDP socket to the server; `exchange` sends one message, then an OPTIONS as a fence:
    the server handles datagrams in order, so whatever it answered to the message has come
    when the fence's 200 arrives."""

    def __init__(self, port):
        self.port = port
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.s.settimeout(3)
        self.lport = self.s.getsockname()[1]
        self.k = 0

    def exchange(self, msg, tries=1):
        """(what came before the fence's answer, whether the fence was answered). After a
        flood the fence itself may be dropped with a full socket buffer: `tries` fences."""
        self.k += 1
        self.s.sendto(msg, ("127.0.0.1", self.port))
        got = b""
        for t in range(tries):
            fence = f"{os.getpid()}x{time.time_ns()}x{self.k}x{t}"
            self.s.sendto(options(self.port, self.lport, fence), ("127.0.0.1", self.port))
            try:
                while True:
                    data = self.s.recv(70000)
                    if f"Call-ID: fence{fence}".encode() in data:
                        return got, final_status(data) == 200
                    got += data
            except socket.timeout:
                if t == tries - 1:
                    raise  # the server did not answer the fence

    def close(self):
        self.s.close()


def tcp_exchange(port, msg, wait=0.4, finals=1):
    """Send over a new TCP connection; read until `finals` final responses, the server's
    close, or `wait` s of silence. Returns (bytes received, closed by the server)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=3)
    c.sendall(msg)
    c.settimeout(wait)
    got = b""
    closed = False
    try:
        while len(re.findall(rb"SIP/2\.0 [2-6]\d\d ", got)) < finals:
            data = c.recv(70000)
            if not data:
                closed = True
                break
            got += data
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    c.close()
    return got, closed


def wait_sip(srv):
    """The HTTP port answers a moment before SIP is bound."""
    deadline = time.time() + 10
    while "event=tel.ready" not in srv.logs():
        assert time.time() < deadline, srv.logs()[-2000:]
        time.sleep(0.02)


def server_sockets(srv, proto, port=None):
    """How many `proto` ("udp", "tcp") sockets the server has open, optionally only those on
    local `port`: RTP legs are UDP sockets, SIP connections TCP ones on the SIP port."""
    mine = set()
    for fd in os.listdir(f"/proc/{srv.proc.pid}/fd"):
        try:
            link = os.readlink(f"/proc/{srv.proc.pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            mine.add(link[8:-1])
    n = 0
    with open(f"/proc/net/{proto}") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[9] in mine and (port is None or int(cols[1].split(":")[1], 16) == port):
                n += 1
    return n


# ---- a citizen's phone ------------------------------------------------------------------


class Msg:
    def __init__(self, data):
        text = data.decode("utf-8", "replace")
        head, _, self.body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0]
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.setdefault(name.strip().lower(), value.strip())
        parts = self.first.split(" ")
        self.request = not self.first.startswith("SIP/2.0")
        self.method = parts[0] if self.request else self.headers.get("cseq", " ").split()[-1]
        self.status = 0 if self.request else int(parts[1])

    def h(self, name):
        return self.headers.get(name.lower(), "")


class Phone:
    """A citizen's phone in a few lines of SIP over UDP, so a test decides to the moment
    when it hangs up (BYE, or CANCEL crossing our 200), presses a key (SIP INFO), or answers
    Lotsen's call; a thread counts the RTP packets it hears."""

    def __init__(self, sip_port, number="0701234567"):
        self.server = ("127.0.0.1", sip_port)
        self.number = number
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.port = self.s.getsockname()[1]
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.rtp.settimeout(0.2)
        self.rtp_port = self.rtp.getsockname()[1]
        self.heard = 0
        self.stop = False
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()
        self.remote_rtp = None  # Lotsen's RTP address from its SDP
        self.talking = False  # a thread sends a µ-law frame every 20 ms while set
        self.talker = threading.Thread(target=self._talk, daemon=True)
        self.talker.start()
        self.pending = []
        self.cseq = 1
        self.dialog = None  # (call_id, local tag, remote tag, remote target, we called)

    def _listen(self):
        while not self.stop:
            try:
                self.rtp.recv(2000)
                self.heard += 1
            except OSError:
                pass

    def _talk(self):
        seq, ts = 0, 0
        while not self.stop:
            if self.talking and self.remote_rtp:
                hdr = bytes([0x80, 0]) + seq.to_bytes(2, "big") + ts.to_bytes(4, "big") + b"\x12\x34\x56\x78"
                try:
                    self.rtp.sendto(hdr + b"\xff" * 160, self.remote_rtp)
                except OSError:
                    pass
                seq, ts = (seq + 1) & 0xFFFF, (ts + 160) & 0xFFFFFFFF
            time.sleep(0.02)

    def close(self):
        self.stop = True
        self.thread.join()
        self.talker.join()
        self.rtp.close()
        self.s.close()

    def sdp(self, direction=None, version=1):
        body = (f"v=0\r\no=- 1 {version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                f"m=audio {self.rtp_port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
                "a=rtpmap:101 telephone-event/8000\r\n")
        return body + (f"a={direction}\r\n" if direction else "")

    def learn_rtp(self, sdp):
        """Where Lotsen wants our RTP: its SDP's c= address and m=audio port."""
        c = re.search(r"c=IN IP4 (\S+)", sdp)
        m = re.search(r"m=audio (\d+)", sdp)
        if c and m:
            self.remote_rtp = (c.group(1), int(m.group(1)))

    def send(self, text):
        self.s.sendto(text.encode(), self.server)

    def recv(self, timeout):
        self.s.settimeout(timeout)
        return Msg(self.s.recv(70000))

    def response(self, method, timeout=5):
        """The next final response to `method`; requests that come meanwhile are kept."""
        deadline = time.time() + timeout
        while True:
            m = self.recv(max(0.01, deadline - time.time()))
            if m.request:
                self.pending.append(m)
            elif m.method == method and m.status >= 200:
                return m

    def request(self, method, timeout=5):
        """The next request `method` from Lotsen."""
        deadline = time.time() + timeout
        while True:
            for m in self.pending:
                if m.method == method:
                    self.pending.remove(m)
                    return m
            self.pending.append(self.recv(max(0.01, deadline - time.time())))

    def via(self):
        return f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};rport;branch=z9hG4bK{uuid.uuid4().hex}"

    def invite(self, number, wait=True):
        call_id, tag = uuid.uuid4().hex, uuid.uuid4().hex[:8]
        body = self.sdp()
        self.invite_via = self.via()
        self.invite_to = f"<sip:{number}@127.0.0.1:{self.server[1]}>"
        self.dialog = (call_id, tag, None, None, True)
        self.send(f"INVITE sip:{number}@127.0.0.1:{self.server[1]} SIP/2.0\r\n{self.invite_via}\r\n"
                  f"From: \"Medborgare\" <sip:{self.number}@127.0.0.1:{self.port}>;tag={tag}\r\n"
                  f"To: {self.invite_to}\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
                  f"Contact: <sip:{self.number}@127.0.0.1:{self.port}>\r\nMax-Forwards: 70\r\n"
                  f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}")
        return self.answered(self.response("INVITE")) if wait else None

    def answered(self, m):
        """ACK the INVITE's final response; a 200 sets up the dialog."""
        call_id, tag = self.dialog[0], self.dialog[1]
        to = m.h("to")
        if m.status == 200:
            self.learn_rtp(m.body)
            target = re.search(r"<([^>]+)>", m.h("contact")).group(1)
            self.dialog = (call_id, tag, re.search(r"tag=([^;>\s]+)", to).group(1), target, True)
            via = self.via()
        else:
            target, via = f"sip:x@127.0.0.1:{self.server[1]}", self.invite_via  # same transaction
        self.send(f"ACK {target} SIP/2.0\r\n{via}\r\n"
                  f"From: <sip:{self.number}@127.0.0.1:{self.port}>;tag={tag}\r\nTo: {to}\r\n"
                  f"Call-ID: {call_id}\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        return m.status

    def in_dialog(self, method, extra="", body=""):
        call_id, tag, rtag, target, we_called = self.dialog
        self.cseq += 1
        me = f"<sip:{self.number}@127.0.0.1:{self.port}>;tag={tag}"
        them = f"{self.invite_to};tag={rtag}" if we_called else f"<sip:lotsen@127.0.0.1>;tag={rtag}"
        self.send(f"{method} {target} SIP/2.0\r\n{self.via()}\r\nFrom: {me}\r\nTo: {them}\r\n"
                  f"Call-ID: {call_id}\r\nCSeq: {self.cseq} {method}\r\nMax-Forwards: 70\r\n{extra}"
                  f"Content-Length: {len(body)}\r\n\r\n{body}")
        return self.response(method).status

    def bye(self):
        return self.in_dialog("BYE")

    def reinvite(self, direction, version):
        """A re-INVITE in the dialog we started (hold: sendonly or inactive; back: sendrecv),
        its final response ACKed; returns (status, Lotsen's SDP)."""
        call_id, tag, rtag, target, _ = self.dialog
        self.cseq += 1
        body = self.sdp(direction, version)
        me = f"<sip:{self.number}@127.0.0.1:{self.port}>;tag={tag}"
        them = f"{self.invite_to};tag={rtag}"
        common = f"From: {me}\r\nTo: {them}\r\nCall-ID: {call_id}\r\nMax-Forwards: 70\r\n"
        self.send(f"INVITE {target} SIP/2.0\r\n{self.via()}\r\n{common}CSeq: {self.cseq} INVITE\r\n"
                  f"Contact: <sip:{self.number}@127.0.0.1:{self.port}>\r\n"
                  f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}")
        m = self.response("INVITE")
        self.send(f"ACK {target} SIP/2.0\r\n{self.via()}\r\n{common}CSeq: {self.cseq} ACK\r\n"
                  "Content-Length: 0\r\n\r\n")
        return m.status, m.body

    def key(self, digit):
        return self.in_dialog("INFO", "Content-Type: application/dtmf-relay\r\n",
                              f"Signal={digit}\r\nDuration=160\r\n")

    def cancel(self):
        """CANCEL the INVITE just sent; Lotsen has usually answered it already (it answers at
        once), so the 200 crosses the CANCEL and the call is then ended with BYE."""
        call_id, tag = self.dialog[0], self.dialog[1]
        self.send(f"CANCEL sip:x@127.0.0.1:{self.server[1]} SIP/2.0\r\n{self.invite_via}\r\n"
                  f"From: \"Medborgare\" <sip:{self.number}@127.0.0.1:{self.port}>;tag={tag}\r\n"
                  f"To: {self.invite_to}\r\nCall-ID: {call_id}\r\nCSeq: 1 CANCEL\r\n"
                  f"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        self.response("CANCEL")
        if self.answered(self.response("INVITE")) == 200:
            return self.bye()
        return 487

    def reply(self, m, status, reason, extra="", body=""):
        vias = "".join(f"Via: {v}\r\n" for v in [m.h("via")])
        self.send(f"SIP/2.0 {status} {reason}\r\n{vias}From: {m.h('from')}\r\nTo: {m.h('to')}"
                  f"{extra}\r\nCall-ID: {m.h('call-id')}\r\nCSeq: {m.h('cseq')}\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n{body}")

    def answer(self, invite):
        """Answer Lotsen's INVITE (the survey call) with 200 and SDP; wait for the ACK."""
        tag = uuid.uuid4().hex[:8]
        body = self.sdp()
        self.reply(invite, 200, "OK", f";tag={tag}\r\nContact: <sip:{self.number}@127.0.0.1:{self.port}>"
                   "\r\nContent-Type: application/sdp", body)
        target = re.search(r"<([^>]+)>", invite.h("contact")).group(1)
        rtag = re.search(r"tag=([^;>\s]+)", invite.h("from")).group(1)
        self.learn_rtp(invite.body)
        self.dialog = (invite.h("call-id"), tag, rtag, target, False)
        self.request("ACK")


@unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
class SipRobustTest(ServerTest):
    extra = ("--sip", f"127.0.0.1:{SIP_PORT}")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        wait_sip(cls.srv)
        admin = cls.srv.login("admin")
        for g in range(1, 9):
            r = cls.srv.request("PATCH", f"/api/v1/groups/{g}",
                                {"opening_hours": ALWAYS, "wrapup_s": 0}, token=admin)
            assert r.status == 200, r
        cls.anna = cls.srv.request("GET", "/api/v1/acd/agents/me",
                                   token=cls.srv.login("anna")).json["agent_id"]
        # A half message on a TCP connection, then silence: libre gives a connection that
        # never completes a first message 32 s; test_z checks it was closed.
        cls.half = socket.create_connection(("127.0.0.1", SIP_PORT), timeout=3)
        cls.half.sendall(render("lwsdisp", "half", "tcp")[:70])
        cls.half_at = time.time()

    def expect(self, name, got, transport):
        want = TORTURE[name][1]
        allowed = want if isinstance(want, tuple) else (want,)
        self.assertIn(got, allowed, f"{name} over {transport}: got {got}, RFC 4475 asks {want}")

    def test_a_torture_messages_over_udp(self):
        u = Udp(SIP_PORT)
        try:
            for name in TORTURE:
                with self.subTest(name=name):
                    data, alive = u.exchange(render(name, f"u{time.time_ns()}", "udp"))
                    self.assertTrue(alive, f"no answer to OPTIONS after {name}")
                    self.expect(name, final_status(data), "udp")
                    if name == "dblreq":  # the INVITE after the REGISTER's end is not taken
                        self.assertEqual(len(re.findall(rb"SIP/2\.0 \d{3} ", data)), 1, data)
                    if name == "bext01":
                        self.assertRegex(data, rb"Unsupported: nothingSupportsThis, nothingSupportsThisEither")
                    if name in ("invut", "mpart01"):
                        self.assertRegex(data, rb"Accept: application/sdp")
                    if name == "longreq":
                        self.assertIn(("12" + "98" * 80).encode(), data)
        finally:
            u.close()
        self.assertEqual(self.api("GET", "/healthz", user=None).json["sip_calls"], 0)

    def test_b_torture_messages_over_tcp(self):
        u = Udp(SIP_PORT)
        try:
            for name in TORTURE:
                if name == "clerr":
                    continue  # over a stream the body may still come: test_d
                with self.subTest(name=name):
                    data, closed = tcp_exchange(SIP_PORT, render(name, f"t{time.time_ns()}", "tcp"),
                                                finals=2 if name == "dblreq" else 1)
                    codes = [int(c) for c in re.findall(rb"SIP/2\.0 ([2-6]\d\d) ", data)]
                    if name == "dblreq":  # two requests on the stream, two answers
                        self.assertEqual(codes, [401, 400], data)  # the INVITE has no Contact
                    self.expect(name, codes[0] if codes else None, "tcp")
                    _, alive = u.exchange(b"")
                    self.assertTrue(alive, f"no answer to OPTIONS after {name}")
        finally:
            u.close()

    def test_c_cut_in_half_then_closed(self):
        before = server_sockets(self.srv, "tcp", SIP_PORT)
        for name in ("wsinv", "longreq", "mpart01", "invut"):
            msg = render(name, f"c{time.time_ns()}", "tcp")
            c = socket.create_connection(("127.0.0.1", SIP_PORT), timeout=3)
            c.sendall(msg[:len(msg) // 2])
            c.close()
        u = Udp(SIP_PORT)
        _, alive = u.exchange(b"")
        u.close()
        self.assertTrue(alive)
        deadline = time.time() + 3
        while server_sockets(self.srv, "tcp", SIP_PORT) > before and time.time() < deadline:
            time.sleep(0.05)
        self.assertLessEqual(server_sockets(self.srv, "tcp", SIP_PORT), before,
                             "a closed half message left its socket")

    def test_d_content_length_larger_than_the_body_over_tcp_waits(self):
        # Over a stream the rest may still come: the request waits for it, then is answered.
        msg = render("esc01", f"d{time.time_ns()}", "tcp")
        head, _, body = msg.partition(b"\r\n\r\n")
        c = socket.create_connection(("127.0.0.1", SIP_PORT), timeout=3)
        c.sendall(head + b"\r\n\r\n" + body[:20])
        c.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            c.recv(1000)
        c.settimeout(3)
        c.sendall(body[20:])
        data = b""
        while final_status(data) is None:
            data += c.recv(10000)
        c.close()
        self.assertEqual(final_status(data), 404)

    def test_e_one_megabyte_body(self):
        big = b"x" * (1 << 20)
        msg = render("invut", f"e{time.time_ns()}", "tcp")
        head = msg.split(b"\r\n\r\n")[0].replace(b"Content-Length: 40", b"Content-Length: %d" % len(big))
        c = socket.create_connection(("127.0.0.1", SIP_PORT), timeout=5)
        closed = False
        try:
            c.sendall(head + b"\r\n\r\n" + big)
            data = c.recv(1000)
            closed = not data or final_status(data) == 413
        except (ConnectionResetError, BrokenPipeError):
            closed = True
        c.close()
        self.assertTrue(closed, "a 1 MB request was neither refused nor its connection closed")
        # Over UDP libre reads at most 8 KB of a datagram: a larger one is cut, and the cut
        # request is refused for its Content-Length (400); a stream's 16 KB+ body is 413.
        u = Udp(SIP_PORT)
        msg = render("invut", f"e{time.time_ns()}", "udp")
        head = msg.split(b"\r\n\r\n")[0].replace(b"Content-Length: 40", b"Content-Length: 60000")
        data, alive = u.exchange(head + b"\r\n\r\n" + b"x" * 60000)
        u.close()
        self.assertTrue(alive)
        self.assertEqual(final_status(data), 400, data[:300])
        self.assertIn(b"Content-Length is larger than the body", data)
        head = render("invut", f"e{time.time_ns()}", "tcp").split(b"\r\n\r\n")[0]
        data, _ = tcp_exchange(SIP_PORT, head.replace(b"Content-Length: 40", b"Content-Length: 20000")
                               + b"\r\n\r\n" + b"x" * 20000, wait=3)
        self.assertEqual(final_status(data), 413, data[:300])

    def test_f_thousand_garbage_datagrams(self):
        u = Udp(SIP_PORT)
        rnd = os.urandom(1000 * 300)
        for i in range(1000):
            junk = rnd[i * 300:(i + 1) * 300]
            if i % 3 == 0:  # some look like the start of a request
                junk = b"INVITE sip:%s@127.0.0.1 SIP/2.0\r\n" % ENTRY.encode() + junk
            u.s.sendto(junk, ("127.0.0.1", SIP_PORT))
            if i % 100 == 99:
                time.sleep(0.01)  # a socket buffer's worth at a time
        _, alive = u.exchange(b"", tries=5)
        u.close()
        self.assertTrue(alive)
        self.assertEqual(self.api("GET", "/healthz", user=None).json["sip_calls"], 0)

    # ---- a caller hanging up at every step ---------------------------------------------
    # After each, /healthz shows no call held, the server has as many UDP sockets as
    # before (every RTP socket closed), and the engine's log ends the call; the ASan run of
    # the same tests checks at exit that nothing leaked.

    state = test_sip.SipTest.state
    phone_at = test_sip.SipTest.phone
    last_event_id = test_sip.SipTest.last_event_id
    events_since = test_sip.SipTest.events_since
    new_call = test_sip.SipTest.new_call
    kinds = test_sip.SipTest.kinds

    def held(self):
        j = self.api("GET", "/healthz", user=None).json
        return j["sip_calls"], j["sip_surveys"]

    def assertNothingHeld(self, fds, calls=0):
        deadline = time.time() + 5
        while (self.held() != (calls, 0) or server_sockets(self.srv, "udp") > fds) and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.held(), (calls, 0), self.srv.logs()[-3000:])
        self.assertLessEqual(server_sockets(self.srv, "udp"), fds, "an RTP socket outlived its call")

    def wait_log(self, pattern, timeout=8):
        deadline = time.time() + timeout
        while not re.search(pattern, self.srv.logs()):
            self.assertLess(time.time(), deadline, f"no {pattern!r} in\n" + self.srv.logs()[-3000:])
            time.sleep(0.05)

    def begin(self):
        self.state("anna", "logged_out")
        self.assertEqual(self.held(), (0, 0))
        self.fds = server_sockets(self.srv, "udp")
        self.mark = self.last_event_id()
        self.ph = Phone(SIP_PORT)
        self.addCleanup(self.ph.close)

    def agent(self, scenario, *args):
        a = Sipp(scenario, *args, remote=False)
        self.phone_at(a.port)
        self.state("anna", "logged_in")
        self.state("anna", "ready")
        time.sleep(0.3)  # sipp listens
        return a

    def test_h1_bye_during_the_menu_prompt(self):
        self.begin()
        self.assertEqual(self.ph.invite("0850800100"), 200)  # the demo's menu number
        self.wait_log(r"event=tel.invite result=menu entry=\+46850800100")
        time.sleep(0.5)
        self.assertGreater(self.ph.heard, 10, "the menu prompt was not heard")
        self.assertEqual(self.ph.bye(), 200)
        self.assertNothingHeld(self.fds)

    def test_h2_cancel_crossing_the_answer(self):
        self.begin()
        self.ph.invite("0850800100", wait=False)
        self.assertIn(self.ph.cancel(), (200, 487))
        self.assertNothingHeld(self.fds)

    def test_h3_bye_in_queue_with_hold_music(self):
        self.begin()
        self.assertEqual(self.ph.invite(ENTRY), 200)
        call_id = self.new_call(self.mark)
        heard = self.ph.heard
        time.sleep(1.0)
        self.assertGreater(self.ph.heard - heard, 30, "no hold tone at 50 packets/s")
        self.assertGreater(server_sockets(self.srv, "udp"), self.fds)  # the caller leg's RTP and RTCP ports
        self.assertEqual(self.ph.bye(), 200)
        self.assertEqual(self.kinds(self.mark, call_id, until="call_abandoned")[-1], "call_abandoned")
        self.assertNothingHeld(self.fds)

    def test_h4_bye_while_the_agent_phone_rings(self):
        self.begin()
        agent = self.agent("agent_ring.xml")
        self.assertEqual(self.ph.invite(ENTRY), 200)
        call_id = self.new_call(self.mark)
        self.wait_log(rf"event=tel.offer call={call_id} agent={self.anna} uri=")
        time.sleep(0.3)  # ringing
        self.assertEqual(self.ph.bye(), 200)
        self.assertEqual(agent.wait(), 0, agent.errors())  # the phone got CANCEL
        self.assertEqual(self.kinds(self.mark, call_id, until="call_abandoned")[-1], "call_abandoned")
        self.assertNothingHeld(self.fds)
        me = self.api("GET", "/api/v1/acd/agents/me", user="anna").json
        self.assertEqual(me["state"], "ready", me)

    def test_h5_bye_during_the_callback_offer(self):
        self.begin()
        self.assertEqual(self.ph.invite(ENTRY), 200)
        call_id = self.new_call(self.mark)
        self.wait_log(rf"event=tel.callback call={call_id} offered=true")
        self.assertEqual(self.ph.bye(), 200)
        self.assertEqual(self.kinds(self.mark, call_id, until="call_abandoned")[-1], "call_abandoned")
        self.assertNothingHeld(self.fds)

    def test_h6_bye_during_the_callback_confirmation_keeps_the_place(self):
        self.begin()
        self.assertEqual(self.ph.invite(ENTRY), 200)
        call_id = self.new_call(self.mark)
        self.wait_log(rf"event=tel.callback call={call_id} offered=true")
        self.assertEqual(self.ph.key("1"), 200)
        self.wait_log(rf"event=tel.callback call={call_id} accepted=true")
        self.assertEqual(self.ph.bye(), 200)
        # The place is kept: the engine has the callback, telephony the call without a line.
        self.assertNothingHeld(self.fds, calls=1)
        r = self.api("GET", f"/api/v1/acd/calls/{call_id}")
        self.assertEqual((r.status, r.json.get("callback")), (200, True), r)
        # An agent becomes free: Lotsen calls the citizen back, who answers, talks to the
        # agent and hangs up.
        agent = self.agent("agent_answer.xml")
        self.ph.answer(self.ph.request("INVITE", timeout=8))
        self.wait_log(rf"event=tel.agent call={call_id} agent={self.anna} answered=true")
        self.assertEqual(self.ph.bye(), 200)
        self.assertEqual(agent.wait(), 0, agent.errors())
        self.assertEqual(self.kinds(self.mark, call_id, until="call_ended")[-1], "call_ended")
        self.assertNothingHeld(self.fds)

    def test_h7_bye_while_bridged(self):
        self.begin()
        agent = self.agent("agent_answer.xml")
        self.assertEqual(self.ph.invite(ENTRY), 200)
        call_id = self.new_call(self.mark)
        self.assertIn("call_answered", self.kinds(self.mark, call_id, until="call_answered"))
        time.sleep(0.3)
        self.assertEqual(self.ph.bye(), 200)
        self.assertEqual(agent.wait(), 0, agent.errors())  # the agent's phone got BYE
        self.assertEqual(self.kinds(self.mark, call_id, until="call_ended")[-1], "call_ended")
        self.assertNothingHeld(self.fds)

    def test_h8_agent_bye_while_bridged(self):
        self.begin()
        agent = self.agent("agent_hangup.xml", "-d", "500")
        self.assertEqual(self.ph.invite(ENTRY), 200)
        call_id = self.new_call(self.mark)
        bye = self.ph.request("BYE", timeout=8)
        self.ph.reply(bye, 200, "OK")
        self.assertEqual(agent.wait(), 0, agent.errors())
        self.assertEqual(self.kinds(self.mark, call_id, until="call_ended")[-1], "call_ended")
        self.assertNothingHeld(self.fds)

    def test_h9_survey_callee_hangs_up(self):
        survey = {"questions": ["enkat_3", "enkat_4"], "max_answers": 500}
        threshold = self.api("GET", "/api/v1/groups/2").json.get("callback_threshold_s")
        r = self.api("PATCH", "/api/v1/groups/2", {"callback_threshold_s": 0})
        self.assertEqual(r.status, 200, r)
        con = connect(self.srv.db)
        con.execute("DELETE FROM tel_group_policy WHERE group_id = 2")
        con.execute("INSERT INTO tel_group_policy(group_id, survey) VALUES (2, ?)",
                    (json.dumps(survey),))
        con.commit()
        try:
            self.begin()
            self.assertEqual(self.ph.invite(ENTRY), 200)
            call_id = self.new_call(self.mark)
            self.wait_log(rf"event=tel.survey call={call_id} offered=true")
            self.assertEqual(self.ph.key("1"), 200)
            self.wait_log(rf"event=tel.survey call={call_id} optin=true")
            agent = self.agent("agent_hangup.xml", "-d", "300")
            bye = self.ph.request("BYE", timeout=8)
            self.ph.reply(bye, 200, "OK")
            self.assertEqual(agent.wait(), 0, agent.errors())
            self.ph.answer(self.ph.request("INVITE", timeout=8))  # the survey call, 2 s later
            time.sleep(0.5)
            self.assertEqual(self.held(), (0, 1))
            self.assertEqual(self.ph.bye(), 200)  # the citizen hangs up during question 1
            self.assertNothingHeld(self.fds)
        finally:
            con.execute("DELETE FROM tel_group_policy WHERE group_id = 2")
            con.commit()
            con.close()
            r = self.api("PATCH", "/api/v1/groups/2", {"callback_threshold_s": threshold})
            self.assertEqual(r.status, 200, r)

    def test_z_half_message_then_silence_times_out(self):
        # libre closes a TCP connection that has not completed a message in 32 s.
        self.half.settimeout(max(1.0, 40 - (time.time() - self.half_at)))
        try:
            data = self.half.recv(1000)
        except socket.timeout:
            self.fail("a half message kept its connection open for 40 s")
        except ConnectionResetError:
            data = b""
        self.assertEqual(data, b"")
        self.half.close()


@unittest.skipUnless(SIPP, "sipp is not installed (scripts/install-test-peers.sh)")
class RtpTimeoutTest(ServerTest):
    """A phone that vanishes without BYE: its RTP stops, and after --rtp-timeout (3 s here)
    Lotsen ends the call as if it had hung up. A phone on hold sends nothing and is kept."""
    extra = ("--sip", f"127.0.0.1:{RTP_TIMEOUT_SIP_PORT}", "--rtp-timeout", "3")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        wait_sip(cls.srv)
        admin = cls.srv.login("admin")
        r = cls.srv.request("PATCH", "/api/v1/groups/2", {"opening_hours": ALWAYS, "wrapup_s": 0},
                            token=admin)
        assert r.status == 200, r
        cls.anna = cls.srv.request("GET", "/api/v1/acd/agents/me",
                                   token=cls.srv.login("anna")).json["agent_id"]

    state = test_sip.SipTest.state
    phone_at = test_sip.SipTest.phone
    call_json = test_sip.SipTest.call_json
    last_event_id = test_sip.SipTest.last_event_id
    events_since = test_sip.SipTest.events_since
    new_call = test_sip.SipTest.new_call
    kinds = test_sip.SipTest.kinds
    held = SipRobustTest.held
    assertNothingHeld = SipRobustTest.assertNothingHeld
    wait_log = SipRobustTest.wait_log

    def begin(self):
        self.state("anna", "logged_out")
        self.assertEqual(self.held(), (0, 0))
        self.fds = server_sockets(self.srv, "udp")

    def phone(self, number):
        ph = Phone(RTP_TIMEOUT_SIP_PORT, number)
        self.addCleanup(ph.close)
        return ph

    def call(self, ph):
        mark = self.last_event_id()
        self.assertEqual(ph.invite(ENTRY), 200)
        self.assertIsNotNone(ph.remote_rtp, "no RTP address in Lotsen's answer")
        ph.talking = True
        return mark, self.new_call(mark)

    def end_reason(self, call_id, timeout=5):
        deadline = time.time() + timeout
        while True:
            rows = self.srv.sql("SELECT end_reason FROM tel_calls WHERE call_id = ?", call_id)
            if rows or time.time() > deadline:
                return [r[0] for r in rows]
            time.sleep(0.05)

    def test_a_silent_caller_is_ended_and_gives_back_its_place(self):
        self.begin()
        first, second = self.phone("0701111111"), self.phone("0702222222")
        mark, gone = self.call(first)
        _, waiting = self.call(second)
        self.assertEqual(self.call_json(waiting)["position"], 2)
        time.sleep(1.0)  # both talk: neither is ended
        self.assertEqual(self.held(), (2, 0))
        first.talking = False  # the phone loses its network: no RTP, no BYE
        quiet = time.time()
        bye = first.request("BYE", timeout=10)  # had it been there, it would have got this
        took = time.time() - quiet
        first.reply(bye, 200, "OK")
        self.assertGreater(took, 2.5, "ended before the timeout")
        self.assertLess(took, 6.0)
        self.wait_log(rf"event=tel.rtp_timeout call={gone} side=caller")
        self.assertEqual(self.kinds(mark, gone, until="call_abandoned")[-1], "call_abandoned")
        self.assertEqual(self.end_reason(gone), ["rtp_timeout"])
        # Its place is given back; the caller who keeps talking stays, now first.
        self.assertEqual(self.call_json(waiting)["position"], 1)
        self.assertEqual(self.held(), (1, 0))
        self.assertEqual(second.bye(), 200)
        self.assertNothingHeld(self.fds)

    def test_b_a_caller_on_hold_is_kept(self):
        self.begin()
        ph = self.phone("0703333333")
        _, call_id = self.call(ph)
        time.sleep(0.5)
        status, sdp = ph.reinvite("sendonly", 2)  # hold: many phones then send nothing
        self.assertEqual(status, 200)
        self.assertIn("a=recvonly", sdp)
        ph.talking = False
        time.sleep(5.0)
        status, sdp = ph.reinvite("inactive", 3)
        self.assertEqual(status, 200)
        self.assertIn("a=inactive", sdp)
        time.sleep(4.0)  # 9 s on hold, three times the timeout
        self.assertEqual(self.held(), (1, 0), self.srv.logs()[-3000:])
        self.assertNotIn(f"event=tel.rtp_timeout call={call_id} ", self.srv.logs())
        # Back from hold without sending: the count starts again at the re-INVITE.
        back = time.time()
        self.assertEqual(ph.reinvite("sendrecv", 4)[0], 200)
        ph.reply(ph.request("BYE", timeout=10), 200, "OK")
        self.assertGreater(time.time() - back, 2.5)
        self.assertEqual(self.end_reason(call_id), ["rtp_timeout"])
        self.assertNothingHeld(self.fds)

    def test_d_rtcp_alone_keeps_the_call(self):
        self.begin()
        ph = self.phone("0705555555")
        _, call_id = self.call(ph)
        time.sleep(0.5)
        ph.talking = False  # silence suppressed, but the phone still sends its reports
        rtcp = (ph.remote_rtp[0], ph.remote_rtp[1] + 1)
        rr = bytes([0x80, 201, 0, 1]) + b"\x12\x34\x56\x78"  # an empty receiver report
        for _ in range(6):
            ph.rtp.sendto(rr, rtcp)
            quiet = time.time()
            time.sleep(1.0)
        self.assertEqual(self.held(), (1, 0), self.srv.logs()[-3000:])
        ph.reply(ph.request("BYE", timeout=10), 200, "OK")  # the reports stop too
        self.assertGreater(time.time() - quiet, 2.5)
        self.assertEqual(self.end_reason(call_id), ["rtp_timeout"])
        self.assertNothingHeld(self.fds)

    def test_c_a_silent_agent_phone_ends_the_talking_call(self):
        self.begin()
        agent = Sipp("agent_answer.xml", remote=False)  # answers, sends no RTP
        self.phone_at(agent.port)
        self.state("anna", "logged_in")
        self.state("anna", "ready")
        time.sleep(0.3)  # sipp listens
        ph = self.phone("0704444444")
        mark, call_id = self.call(ph)
        self.assertIn("call_answered", self.kinds(mark, call_id, until="call_answered"))
        ph.reply(ph.request("BYE", timeout=10), 200, "OK")  # the caller talks on, and is let go
        self.assertEqual(agent.wait(), 0, agent.errors())  # the agent's phone got BYE
        self.wait_log(rf"event=tel.rtp_timeout call={call_id} side=agent")
        self.assertEqual(self.kinds(mark, call_id, until="call_ended")[-1], "call_ended")
        self.assertEqual(self.end_reason(call_id), ["rtp_timeout"])
        self.assertNothingHeld(self.fds)
        self.state("anna", "logged_out")


if __name__ == "__main__":
    unittest.main()
