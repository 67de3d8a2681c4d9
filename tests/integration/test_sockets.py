"""Sockets: AF_UNIX socketpair and named socket, loopback TCP."""
import os
import unittest

import sdtest
from sdtest import SysdiffTest, check_arg, fmt_events, fmt_event


class UnixSocketTest(SysdiffTest):
    def test_unix_sockets(self):
        fx = sdtest.need_fixture(self, "unix_sock")
        r = self.trace([fx], expect_rc=0)
        tr = r.trace
        self.assertComplete(tr, 0)
        pid = tr.header["pid"]
        calls = self.program_calls(tr, pid, "socketpair")
        names = [e["name"] for e in calls]
        self.assertEqual(names, ["socketpair", "write", "read", "write", "read", "close", "close",
                                 "socket", "bind", "listen", "socket", "connect", "accept",
                                 "sendto", "recvfrom", "close", "close", "close", "unlink",
                                 "exit_group"], fmt_events(calls))
        sp = calls[0]
        self.assertEqual(sp["ret"], 0)
        check_arg(self, sp, 0, text="AF_UNIX")
        self.assertIn("SOCK_STREAM", sp["args"][1].get("text", ""))
        # socketpair fds are sockets
        for e in calls[1:5]:
            check_arg(self, e, 0, ref_prefix="socket:[")
        check_arg(self, calls[1], 1, data=b"ping", len=4)
        check_arg(self, calls[2], 1, data=b"ping", len=4)
        check_arg(self, calls[4], 1, data=b"pong", len=4)
        self.assertNotEqual(calls[1]["args"][0]["ref"], calls[2]["args"][0]["ref"])
        sock = calls[7]
        check_arg(self, sock, 0, text="AF_UNIX")
        self.assertEqual(sock["ret"], 3)
        for e in (calls[8], calls[11]):   # bind, connect
            a = e["args"][1]
            self.assertEqual(a.get("type"), "struct", fmt_event(e))
            self.assertIn("AF_UNIX", a.get("text", ""), fmt_event(e))
            self.assertIn('"sock.s"', a.get("text", ""), fmt_event(e))
            self.assertEqual(e["ret"], 0, fmt_event(e))
        check_arg(self, calls[8], 0, raw=3, ref_prefix="socket:[")
        self.assertEqual(calls[12]["ret"], 5)
        check_arg(self, calls[13], 0, raw=4, ref_prefix="socket:[")
        check_arg(self, calls[13], 1, data=b"hello", len=5)
        check_arg(self, calls[14], 0, raw=5, ref_prefix="socket:[")
        check_arg(self, calls[14], 1, data=b"hello", len=5)
        check_arg(self, calls[18], 0, path=b"sock.s", absp=os.path.realpath(self.tmp).encode() + b"/sock.s")


class TcpTest(SysdiffTest):
    def test_tcp_loopback(self):
        fx = sdtest.need_fixture(self, "tcp")
        r = self.trace([fx], expect_rc=0)
        tr = r.trace
        self.assertComplete(tr, 0)
        port = int(r.stdout.decode().split("=")[1])
        pid = tr.header["pid"]
        calls = self.program_calls(tr, pid, "socket")
        names = [e["name"] for e in calls]
        self.assertEqual(names, ["socket", "bind", "listen", "getsockname", "write", "socket", "connect",
                                 "accept", "sendto", "recvfrom", "sendto", "recvfrom", "close", "close",
                                 "close", "exit_group"], fmt_events(calls))
        check_arg(self, calls[0], 0, text="AF_INET")
        self.assertIn("SOCK_STREAM", calls[0]["args"][1].get("text", ""))
        b = calls[1]["args"][1]
        self.assertIn("AF_INET", b.get("text", ""), fmt_event(calls[1]))
        self.assertIn("127.0.0.1", b.get("text", ""), fmt_event(calls[1]))
        gs = calls[3]["args"][1]
        self.assertIn("127.0.0.1", gs.get("text", ""), fmt_event(calls[3]))
        self.assertIn(str(port), gs.get("text", ""), fmt_event(calls[3]))
        c = calls[6]["args"][1]
        self.assertIn("AF_INET", c.get("text", ""), fmt_event(calls[6]))
        self.assertIn("127.0.0.1", c.get("text", ""), fmt_event(calls[6]))
        self.assertIn(str(port), c.get("text", ""), fmt_event(calls[6]))
        self.assertEqual(calls[6]["ret"], 0)
        self.assertEqual(calls[7]["ret"], 5)
        for e, fd, data in ((calls[8], 4, b"ping"), (calls[9], 5, b"ping"),
                            (calls[10], 5, b"pong"), (calls[11], 4, b"pong")):
            check_arg(self, e, 0, raw=fd, ref_prefix="socket:[")
            check_arg(self, e, 1, data=data, len=4)
            self.assertEqual(e["ret"], 4)


if __name__ == "__main__":
    unittest.main()
