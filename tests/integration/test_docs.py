"""The documents against each other and against the binary.

Where a fact must exist in two forms, this test holds them equal:
- the record's fields and events: doc/record.schema.json and
  man/pgtls-shim-record.7 (FIELDS, EVENTS);
- each command's options: `pgtls-shim COMMAND --help`, the top-level
  `pgtls-shim --help`, and pgtls-shim(1)'s SYNOPSIS and COMMANDS;
- the exit statuses pgtls-shim(1) states (EXIT STATUS) and a table of cases
  run here, one per stated status;
- every shell command shown to users (```sh blocks of README.md and
  doc/*.md, the EXAMPLES of pgtls-shim(1)) is run here, or named in ALLOWED
  with the reason it cannot run on this machine.
The man pages are parsed by their macros (.SH, .SS, .TP then .B/.BI), not by
their prose, so rewording a description never breaks the parse.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from shimtest import BIN, CLI, LIB, PKI, preload, server, unsanitized_pg_programs

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MAN = os.path.join(TOP, "man")
COMMANDS = ["exec", "check", "explain", "report", "reconcile"]


# --- man(7) parsing -----------------------------------------------------------

def unescape(text):
    """TEXT with the roff escapes these pages use turned into plain text."""
    for esc, plain in (("\\-", "-"), ("\\(aq", "'"), ("\\(dq", '"'), ("\\e", "\\"),
                       ("\\fB", ""), ("\\fI", ""), ("\\fR", ""), ("\\&", "")):
        text = text.replace(esc, plain)
    return text


def man_lines(page):
    with open(os.path.join(MAN, page)) as f:
        return f.read().split("\n")


def sections(lines, macro=".SH"):
    """{name: [lines]} for each MACRO (.SH or .SS) heading of LINES."""
    out, name = {}, None
    for line in lines:
        if line.startswith(macro + " "):
            name = unescape(line[len(macro) + 1:]).strip().strip('"')
            out[name] = []
        elif name is not None:
            if macro == ".SS" and line.startswith(".SH "):
                name = None
                continue
            out[name].append(line)
    return out


def tagged_items(lines):
    """The first word of each .TP item's tag line when it is .B/.BI/.BR."""
    items = []
    for i, line in enumerate(lines[:-1]):
        if line == ".TP":
            m = re.match(r'\.(?:B|BI|BR)\s+"?([^\s"]+)', lines[i + 1])
            if m:
                items.append(unescape(m.group(1)))
    return items


def options_in(text):
    """The long options named in TEXT (plain text), without --help."""
    return set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", text)) - {"help"}


def synopsis_options(command):
    """Options in pgtls-shim(1)'s SYNOPSIS lines for COMMAND (every form)."""
    lines, opts, inside = sections(man_lines("pgtls-shim.1"))["SYNOPSIS"], set(), False
    for line in lines:
        if line.startswith(".B pgtls-shim "):
            inside = line == ".B pgtls-shim " + command
        elif line == ".br":
            inside = False
        elif inside:
            opts |= options_in(unescape(line))
    return opts


def man_exit_statuses():
    """{command: {status, ...}} from pgtls-shim(1)'s EXIT STATUS subsections."""
    subs = sections(sections(man_lines("pgtls-shim.1"))["EXIT STATUS"], ".SS")
    return {cmd: {int(x) for x in tagged_items(lines) if x.isdigit()}
            for cmd, lines in subs.items()}


# --- shell blocks ---------------------------------------------------------------

def sh_blocks(path):
    """[(marker, text)] for each ```sh block of the Markdown file PATH; MARKER
    is NAME from an `<!-- test_docs: NAME ... -->` line just before it."""
    with open(path) as f:
        lines = f.read().split("\n")
    blocks, marker = [], None
    i = 0
    while i < len(lines):
        m = re.match(r"<!-- test_docs: (\S+)", lines[i])
        if m:
            marker = m.group(1)
        elif lines[i].strip() == "```sh":
            j = lines.index("```", i + 1)
            blocks.append((marker, "\n".join(lines[i + 1:j])))
            marker, i = None, j
        elif lines[i].strip():
            marker = None
        i += 1
    return blocks


def man_example_blocks(page):
    lines = sections(man_lines(page)).get("EXAMPLES", [])
    blocks, cur = [], None
    for line in lines:
        if line == ".EX":
            cur = []
        elif line == ".EE":
            blocks.append(unescape("\n".join(cur)))
            cur = None
        elif cur is not None:
            cur.append(line)
    return blocks


def commands(text):
    """The commands of the shell text TEXT, each on one line with its
    continuations joined and comments and here-document bodies left out."""
    out, cur, lines, i = [], "", text.split("\n"), 0
    while i < len(lines):
        line = re.sub(r"(^|\s+)#\s.*$", "", lines[i]).rstrip()
        i += 1
        if not cur and not line.strip():
            continue
        here = re.search(r"<<-?\s*'?(\w+)'?", line)
        if here:
            while i < len(lines) and lines[i].strip() != here.group(1):
                i += 1
            i += 1
        cur += " " + line
        if line.endswith("\\"):
            cur = cur[:-1]
        elif not re.search(r"(&&|\|\||\|)$", line):
            out.append(" ".join(cur.split()))
            cur = ""
    if cur.strip():
        out.append(" ".join(cur.split()))
    return out


def documented_commands():
    """[(where, marker, command)] for every shell command shown to users."""
    found = []
    for path in [os.path.join(TOP, "README.md")] + sorted(glob.glob(os.path.join(TOP, "doc", "*.md"))):
        for marker, text in sh_blocks(path):
            for c in commands(text):
                found.append((os.path.relpath(path, TOP), marker, c))
    for text in man_example_blocks("pgtls-shim.1"):
        for c in commands(text):
            found.append(("man/pgtls-shim.1", "man-examples", c))
    return found


# Commands shown in the documents that this test does not run, and why.
# The whole-host ones run in a chroot in test_package (root needed), named there.
ALLOWED = {
    # README, install: builds and installs the package; test_package does
    # exactly this in a clean chroot (root).
    "scripts/package.sh out/": "test_package builds the package in a chroot",
    "sudo apt-get install ./out/pgtls-shim_*.deb": "test_package installs it in a chroot",
    # README, install from source: scripts/test.sh builds this way; the
    # install to a prefix is test_cli's Install case (not to /usr/local here).
    "cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo": "the build the suite itself runs on",
    "cmake --build build": "the build the suite itself runs on",
    "sudo cmake --install build --prefix /usr/local": "test_cli installs to a temporary prefix; not to this machine's /usr/local",
    # README, try it / test: they are the suite and its driver.
    "scripts/demo.sh": "builds its own tree and starts its own servers (a minute); run by hand, not by the suite",
    "scripts/demo-fleet.sh": "run by test_demo_fleet (system tier: root for namespaces and cgroups, npm for DuckDB)",
    "scripts/test.sh": "the suite itself",
    "scripts/test.sh --quick": "the suite itself (its quick tiers)",
    # doc/deployment.md: paths of an installed package under /etc and /opt.
    "pgtls-shim exec --policy /etc/pgtls-shim/policy.conf -- /opt/legacy/bin/report":
        "an installed policy and an application that exist only on the reader's host; the same form runs in the README rollout",
    "LD_PRELOAD='/usr/$LIB/libpgtls-shim.so'\"${LD_PRELOAD:+:$LD_PRELOAD}\" PGTLS_SHIM_POLICY=/etc/pgtls-shim/policy.conf /opt/legacy/bin/report":
        "the package's library path; test_package runs psql with LD_PRELOAD in its chroot",
    "mkdir -p /etc/systemd/system/myapp.service.d": "host-wide: a unit's drop-in; test_package checks the drop-in with systemd-analyze verify in a chroot",
    "cp /usr/share/doc/pgtls-shim/examples/systemd-override.conf /etc/systemd/system/myapp.service.d/pgtls-shim.conf":
        "host-wide: a unit's drop-in; test_package copies it into a chroot's unit directory and verifies it",
    "systemctl daemon-reload && systemctl restart myapp": "needs a running systemd and the reader's unit; the chroots run no systemd",
    "pgtls-shim check policy.conf && install -m 0644 policy.conf /etc/pgtls-shim/policy.conf.new && mv /etc/pgtls-shim/policy.conf.new /etc/pgtls-shim/policy.conf":
        "host-wide: test_package.HostPreloadTests installs the policy in a chroot",
    "pgtls-shim-preload enable": "host-wide: the package's helper, run by test_package in a chroot (root)",
    "pgtls-shim-preload status": "host-wide: the package's helper, run by test_package in a chroot",
    "lib=$(dpkg -L pgtls-shim | grep '/libpgtls-shim\\.so$')": "needs the package installed and Postfix: test_package.PostfixTests' chroot",
    "postconf -e \"import_environment = $(postconf -h import_environment) LD_PRELOAD=$lib PGTLS_SHIM_POLICY=/etc/pgtls-shim/policy.conf\"":
        "Postfix's daemons are not run by the tests (only postmap, in test_package.PostfixTests)",
    # doc/rotation.md: AWS's network and account.
    "curl -fsSO https://truststore.pki.rds.amazonaws.com/eu-west-1/eu-west-1-bundle.pem": "needs the network (AWS)",
    "openssl crl2pkcs7 -nocrl -certfile eu-west-1-bundle.pem | openssl pkcs7 -print_certs -noout": "AWS's bundle, downloaded above",
    "awk '/-----BEGIN CERTIFICATE-----/ { n++ } n { print > (\"cert-\" n \".pem\") }' eu-west-1-bundle.pem": "AWS's bundle, downloaded above",
    "for f in cert-*.pem; do echo \"$f: $(openssl x509 -in \"$f\" -noout -subject)\"; done": "AWS's bundle, downloaded above",
    "cat cert-N.pem > /etc/pgtls-shim/rds-next-ca.pem": "N is the reader's choice from the listing above",
    "openssl verify -CAfile /opt/app/rds-ca-2019-root.pem -untrusted rest-of-next-ca.pem first-of-next-ca.pem":
        "an application's own files; test_rotation asks the same question of real stores",
    "pgtls-shim report /var/log/pgtls-shim/connections.jsonl": "an installed host's log; report runs on records in the README rollout",
    # doc/reconcile.md: RDS.
    "aws rds describe-db-log-files --db-instance-identifier mydb": "needs an AWS account",
    "aws rds download-db-log-file-portion --db-instance-identifier mydb --log-file-name error/postgresql.log.2026-11-26-02 --starting-token 0 --output text > postgresql.log.2026-11-26-02":
        "needs an AWS account",
    "pgtls-shim reconcile --server-log postgresql.log.2026-11-26-02 /var/log/pgtls-shim/*.jsonl":
        "RDS's log, fetched above; test_reconcile reads RDS's prefix",
    # doc/fleet.md: the same report runs in the README rollout; --by and
    # openmetrics over real records are test_report's.
    "pgtls-shim report --by hostname,unit fleet.jsonl": "a fleet's file; the same invocation runs in the man page's EXAMPLES here",
    "pgtls-shim report --by policy --json fleet.jsonl": "a fleet's file; --by policy is test_report's",
    "pgtls-shim report --since 7d --by application_name,dbname fleet.jsonl": "a fleet's file; --since and --by are test_report's",
    "dir=/var/lib/prometheus/node-exporter": "node_exporter's directory on the reader's host",
    "pgtls-shim report --format openmetrics --by hostname,unit /var/log/pgtls-shim/connections.jsonl >\"$dir/pgtls_shim.prom.$$\" || [ $? -eq 1 ]":
        "node_exporter's directory; the openmetrics output passes promtool in test_report",
    "mv \"$dir/pgtls_shim.prom.$$\" \"$dir/pgtls_shim.prom\"": "node_exporter's directory on the reader's host",
}


def cli(*args, **kw):
    return subprocess.run([CLI] + list(args), capture_output=True, text=True, timeout=120, **kw)


# --- (a) the record -------------------------------------------------------------

class Record(unittest.TestCase):
    def setUp(self):
        with open(os.path.join(TOP, "doc", "record.schema.json")) as f:
            self.schema = json.load(f)
        self.page = sections(man_lines("pgtls-shim-record.7"))

    def test_fields_equal_the_schema(self):
        s = self.schema
        fields = set(s["properties"]) | set(s["$defs"]["connect"]["properties"])
        for alt in s.get("oneOf", []):
            fields |= set(alt.get("properties", {}))
        documented = tagged_items(self.page["FIELDS"])
        self.assertEqual(len(documented), len(set(documented)), "a field written twice")
        self.assertEqual(set(documented), fields)

    def test_reasons_equal_the_vocabulary(self):
        """REASONS lists shim/audit/reasons.h's vocabulary, and nothing the
        code does not say."""
        listed = [unescape(m) for m in re.findall(r'^\.BR "([^"]+)"', "\n".join(
            self.page["REASONS"]), re.M)]
        with open(os.path.join(TOP, "shim", "audit", "reasons.h")) as f:
            vocabulary = set(re.findall(r'^#define R_\w+\s+"([^"]+)"', f.read(), re.M))
        self.assertEqual(vocabulary - set(listed), set(), "a reason the page omits")
        code = ""
        for path in glob.glob(os.path.join(TOP, "shim", "**", "*.[ch]"), recursive=True):
            with open(path) as f:
                code += f.read()
        for reason in listed:
            with self.subTest(reason):
                self.assertIn('"%s"' % reason, code, "a reason the code never gives")

    def test_events_equal_the_schema(self):
        self.assertEqual(set(tagged_items(self.page["EVENTS"])),
                         set(self.schema["properties"]["event"]["enum"]))


class NamedTests(unittest.TestCase):
    """Every test the guides name as proof (`test_mod.Class[.method]`) exists."""

    def test_named_tests_exist(self):
        here = os.path.dirname(os.path.abspath(__file__))
        every = ""
        for path in glob.glob(os.path.join(here, "test_*.py")):
            with open(path) as f:
                every += f.read()
        for path in [os.path.join(TOP, "README.md")] + glob.glob(os.path.join(TOP, "doc", "*.md")):
            with open(path) as f:
                text = f.read()
            for mod, cls, meth in re.findall(
                    r"`(test_[a-z_]+)\.([A-Z][A-Za-z0-9_]*)(?:\.([a-z0-9_]+))?", text):
                with self.subTest(where=os.path.relpath(path, TOP), test="%s.%s.%s" % (mod, cls, meth)):
                    src = os.path.join(here, mod + ".py")
                    self.assertTrue(os.path.exists(src), "no module")
                    with open(src) as f:
                        self.assertRegex(f.read(), r"class %s\b" % cls)
                    if meth:   # a name ending in "_" stands for the tests it begins
                        self.assertRegex(every, r"def %s%s" % (meth, "" if meth.endswith("_") else r"\b"))


# --- (b) options ----------------------------------------------------------------

class Options(unittest.TestCase):
    def help(self, *args):
        p = cli(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_each_commands_help_equals_its_synopsis(self):
        for cmd in COMMANDS:
            with self.subTest(cmd):
                self.assertEqual(options_in(self.help(cmd, "--help")), synopsis_options(cmd))

    def test_each_option_in_the_synopsis_is_described(self):
        subs = sections(sections(man_lines("pgtls-shim.1"))["COMMANDS"], ".SS")
        for cmd in COMMANDS:
            with self.subTest(cmd):
                described = {o[2:] for o in tagged_items(subs[cmd]) if o.startswith("--")}
                self.assertEqual(described, synopsis_options(cmd))

    def test_top_level_help_names_every_option(self):
        text = self.help("--help")
        for cmd in COMMANDS:
            with self.subTest(cmd):
                # A command's lines: from "  CMD " to the next command's.
                m = re.search(r"^  %s .*?(?=^  (?:%s) |\Z)" % (cmd, "|".join(COMMANDS)),
                              text, re.M | re.S)
                self.assertIsNotNone(m, text)
                self.assertEqual(options_in(m.group(0)), synopsis_options(cmd))


# --- (c) exit statuses ----------------------------------------------------------

class ExitStatus(unittest.TestCase):
    """Each status pgtls-shim(1) states for a command, produced by a case."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="pgtls-shim-docs-")
        d = cls.dir = cls.tmp.name
        os.chmod(d, 0o755)

        def write(name, text, mode=0o644):
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, mode)
            return path
        cls.good = write("good.conf", 'version = 1;\nmode = "enforce";\n'
                         'log = { path = "%s/records.jsonl"; };\n'
                         'defaults = { sslmode = "verify-full"; sslrootcert = "%s/new-bundle.pem"; };\n'
                         % (d, PKI))
        cls.bad = write("bad.conf", 'version = 1;\nmode = "sometimes";\n')
        cls.empty = write("empty.jsonl", "")
        cls.notexec = write("notexec", "#!/bin/sh\n", 0o644)
        cls.serverlog = write("server.log", (
            "2026-11-26 02:00:00.000 UTC [123] LOG:  connection received: host=10.0.0.5 port=5000\n"
            "2026-11-26 02:00:00.010 UTC [123] LOG:  connection authorized: user=app database=app "
            "SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)\n"))
        cls.emptylog = write("empty.log", "")
        # Verified records: a client under the shim, enforced, against the good server.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({"PGSERVICEFILE": os.path.join(d, "none"), "PGTLS_SHIM_POLICY": cls.good,
                    "LD_PRELOAD": preload(LIB)})
        ci = "host=db.test hostaddr=127.0.0.1 port=%d dbname=postgres user=postgres" % (
            server("good")["port"])
        p = subprocess.run([os.path.join(BIN, "pqclient"), "connectdb", ci], env=env,
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        cls.records = os.path.join(d, "records.jsonl")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def cases(self):
        missing = os.path.join(self.dir, "missing")
        return {
            "exec": {2: ["exec", "--policy", self.bad, "--", "true"],
                     126: ["exec", "--policy", self.good, "--", self.notexec],
                     127: ["exec", "--policy", self.good, "--", missing]},
            "check": {0: ["check", self.good], 1: ["check", self.bad], 2: ["check", "--bogus"]},
            "explain": {0: ["explain", "--policy", self.good, "host=db.example.com"],
                        1: ["explain", "--policy", self.bad, "host=db.example.com"],
                        2: ["explain", "--bogus", "host=db.example.com"]},
            "report": {0: ["report", self.records], 1: ["report", self.empty],
                       2: ["report", missing]},
            "reconcile": {0: ["reconcile", "--server-log", self.emptylog, self.empty],
                          1: ["reconcile", "--server-log", self.serverlog, self.empty],
                          2: ["reconcile", "--server-log", missing, self.empty]},
        }

    def test_stated_statuses_are_the_tested_ones(self):
        stated = man_exit_statuses()
        cases = self.cases()
        self.assertEqual(set(stated), set(cases))
        for cmd, table in cases.items():
            with self.subTest(cmd):
                self.assertEqual(stated[cmd], set(table))

    def test_each_status_happens(self):
        for cmd, table in self.cases().items():
            for status, argv in table.items():
                with self.subTest(cmd=cmd, status=status):
                    p = cli(*argv)
                    self.assertEqual(p.returncode, status, p.stdout + p.stderr)


# --- (d) every documented command ------------------------------------------------

def rollout_env(work):
    """An environment in which the documents' commands reach the "good" test
    server: libpq's PG* variables supply the address, port and user that the
    documents leave to the reader, and pgtls-shim is the build's."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PG") and k not in ("LD_PRELOAD",)}
    env.update({"PATH": os.path.dirname(CLI) + ":" + env.get("PATH", "/usr/bin:/bin"),
                "PGHOSTADDR": "127.0.0.1", "PGPORT": str(server("good")["port"]),
                "PGUSER": "postgres", "PGDATABASE": "postgres", "PGCONNECT_TIMEOUT": "10",
                "PGSERVICEFILE": os.path.join(work, "none"),
                "PGPASSFILE": os.path.join(work, "none")})
    return env


def for_the_test_servers(text):
    """TEXT with the documents' example database name replaced by the name the
    test servers' certificate carries (their address comes from PGHOSTADDR)."""
    return text.replace("db.example.com", "db.test")


class DocumentedCommands(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pgtls-shim-docs-")
        self.work = self.tmp.name
        os.chmod(self.work, 0o755)
        shutil.copy(os.path.join(PKI, "new-bundle.pem"), os.path.join(self.work, "ca-bundle.pem"))

    def tearDown(self):
        self.tmp.cleanup()

    def block(self, marker):
        for path in [os.path.join(TOP, "README.md")] + glob.glob(os.path.join(TOP, "doc", "*.md")):
            for m, text in sh_blocks(path):
                if m == marker:
                    return text
        self.fail("no block marked %s" % marker)

    def run_rollout(self):
        p = subprocess.run(["bash", "-euo", "pipefail", "-c",
                            for_the_test_servers(self.block("rollout"))],
                           cwd=self.work, env=rollout_env(self.work), capture_output=True,
                           text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p

    @unsanitized_pg_programs
    def test_readme_rollout(self):
        p = self.run_rollout()
        self.assertIn("ready to enforce: yes", p.stdout)
        with open(os.path.join(self.work, "connections.jsonl")) as f:
            recs = [json.loads(l) for l in f]
        self.assertEqual([(r["event"], r["mode"], r["outcome"], r["verified"]) for r in recs],
                         [("connect", "audit", "ok", False), ("connect", "enforce", "ok", True)])
        self.assertEqual(recs[1]["sslmode_effective"], "verify-full")

    @unsanitized_pg_programs
    def test_man_examples_run(self):
        """pgtls-shim(1)'s EXAMPLES, after the rollout made the policy and records."""
        self.run_rollout()
        with open(os.path.join(self.work, "postgresql.log"), "w") as f:
            f.write("")
        for text in man_example_blocks("pgtls-shim.1"):
            for c in commands(text):
                if c.startswith("pgtls-shim: "):
                    continue    # a refusal message shown, not a command
                with self.subTest(c):
                    p = subprocess.run(["bash", "-c", for_the_test_servers(c)], cwd=self.work,
                                       env=rollout_env(self.work), capture_output=True,
                                       text=True, timeout=120)
                    # report and reconcile say "not ready" with 1: a verdict.
                    ok = {0, 1} if c.split()[1] in ("report", "reconcile") else {0}
                    self.assertIn(p.returncode, ok, p.stdout + p.stderr)
                    self.assertNotIn("usage:", p.stderr)

    def test_every_command_is_run_or_allowed(self):
        run = {"rollout", "man-examples"}
        seen = set()
        for where, marker, c in documented_commands():
            seen.add(c)
            if marker in run:
                continue
            with self.subTest(where=where, command=c):
                self.assertIn(c, ALLOWED, "%s: a command neither run by test_docs nor "
                              "allowed with a reason" % where)
        self.assertEqual(set(ALLOWED) - seen, set(), "ALLOWED names commands no document shows")

    def test_policy_examples_pass_check(self):
        """pgtls-shim.conf(5)'s example policies, with its paths made here."""
        blocks = man_example_blocks("pgtls-shim.conf.5")
        self.assertTrue(blocks)
        for text in blocks:
            if "version = 1;" not in text:
                continue
            with self.subTest(text[:60]):
                text = text.replace("/etc/pgtls-shim/", self.work + "/").replace(
                    "/var/log/pgtls-shim/", self.work + "/")
                for name in ("global-bundle.pem", "next-ca.pem"):
                    shutil.copy(os.path.join(PKI, "new-bundle.pem"), os.path.join(self.work, name))
                if "@include" in text:
                    with open(os.path.join(self.work, "rules.inc"), "w") as f:
                        f.write('rules = ( { name = "all"; mode = "audit"; } );\n')
                    os.chmod(os.path.join(self.work, "rules.inc"), 0o644)
                path = os.path.join(self.work, "example.conf")
                with open(path, "w") as f:
                    f.write(text)
                os.chmod(path, 0o644)
                p = cli("check", path)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertNotIn("warning", p.stderr)


if __name__ == "__main__":
    unittest.main()
