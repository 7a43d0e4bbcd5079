"""Every way a process binds to libpq: the main program linked to it, modules
dlopen()ed with each flag combination runtimes use, and two libpq copies in
one process (one renamed with patchelf).  LD_DEBUG=bindings shows which
object each call really bound to: a test that passed while the hook was
bypassed would prove nothing."""
import glob
import os
import shutil
import subprocess
import unittest

from shimtest import BIN, LIB, RUNTIME, ShimCase, policy_text, tcp

DL = os.path.join(BIN, "pqclient_dl")
MODULE = os.path.join(BIN, "pqmodule.so")
SYSTEM_LIBPQ = "/libpq.so.5"      # as the loader names it (a path suffix)
SYSTEM_LIBPQ_FILE = os.path.realpath("/usr/lib/x86_64-linux-gnu/libpq.so.5")


class Binding(ShimCase):
    def bindings(self, argv):
        """Runs ARGV with LD_DEBUG=bindings; returns (process, binding lines)."""
        out = os.path.join(self.dir, "ld")
        p = self.run_cmd(argv, {"LD_DEBUG": "bindings", "LD_DEBUG_OUTPUT": out})
        lines = []
        for f in glob.glob(out + ".*"):
            with open(f) as fh:
                lines += [l.split(":", 1)[1].strip() for l in fh if "binding file" in l]
        return p, lines

    def bound(self, lines, user, target, sym):
        """Did a lookup of SYM in USER's scope bind to an object whose path
        ends with TARGET?"""
        import re
        for l in lines:
            m = re.match(r"binding file (\S+) \[0\] to (\S+) \[0\]: normal symbol `(\w+)'", l)
            if m and m.group(3) == sym and m.group(2).endswith(target) and (
                    m.group(1) == user or m.group(1).endswith(user)):
                return True
        return False

    def assertGoverned(self, p):
        """P ran one sslmode=disable connection under enforce: it succeeded,
        upgraded and verified, with no blind spot."""
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        rec = self.one_record()
        self.assertEqual(rec["sslmode_effective"], "verify-full")
        self.assertTrue(rec["verified"])
        self.assertEqual(self.records("blind_spot"), [])

    def test_main_program_linked_to_libpq(self):
        self.write_policy(policy_text("enforce"))
        client = os.path.join(BIN, "pqclient")
        p, lines = self.bindings([client, "connectdb", tcp("good", sslmode="disable")])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(self.bound(lines, client, LIB, "PQconnectdb"))
        self.assertTrue(self.one_record()["verified"])

    def test_every_dlopen_flag_combination(self):
        self.write_policy(policy_text("enforce"))
        for flags in ["local", "local-lazy", "global", "global-lazy"]:
            with self.subTest(flags=flags):
                os.path.exists(self.log) and os.unlink(self.log)
                for f in glob.glob(os.path.join(self.dir, "ld.*")):
                    os.unlink(f)
                p, lines = self.bindings([DL, flags, tcp("good", sslmode="disable")])
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertTrue(self.bound(lines, MODULE, LIB, "PQconnectdb"), flags)
                self.assertTrue(self.one_record()["verified"])

    @unittest.skipIf(RUNTIME, "sanitizer runtimes refuse RTLD_DEEPBIND; the normal run has it")
    def test_deepbind_module_is_governed(self):
        """RTLD_DEEPBIND makes the loader bind a module to its own libpq before
        the preloaded library (LD_DEBUG still says so); the shim's dlopen then
        points the module's GOT at the hooks, so the call is decided and logged."""
        self.write_policy(policy_text("enforce"))
        p, lines = self.bindings([DL, "deepbind", tcp("good", sslmode="disable")])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(self.bound(lines, MODULE, SYSTEM_LIBPQ, "PQconnectdb"))
        self.assertGoverned(p)

    @unittest.skipIf(RUNTIME, "sanitizer runtimes refuse RTLD_DEEPBIND; the normal run has it")
    def test_deepbind_module_by_bare_name(self):
        """dlopen("name.so", RTLD_DEEPBIND) with no '/': the module is found
        where the caller would find it (LD_LIBRARY_PATH; the caller's own
        RUNPATH, which a dlopen from the shim would not search) and governed."""
        moddir = os.path.join(self.dir, "modules")
        os.mkdir(moddir)
        shutil.copy(MODULE, os.path.join(moddir, "pqmodule_bare.so"))
        caller = os.path.join(self.dir, "pqclient_dl_runpath")
        shutil.copy(DL, caller)
        subprocess.run(["patchelf", "--set-rpath", moddir, caller], check=True, timeout=60)
        self.write_policy(policy_text("enforce"))
        for how, argv, env in (
                ("LD_LIBRARY_PATH", [DL], {"LD_LIBRARY_PATH": moddir}),
                ("the caller's RUNPATH", [caller], {})):
            with self.subTest(how=how):
                os.path.exists(self.log) and os.unlink(self.log)
                self.assertGoverned(self.run_cmd(
                    argv + ["deepbind", tcp("good", sslmode="disable"), "pqmodule_bare.so"], env))

    @unittest.skipIf(RUNTIME, "sanitizer runtimes refuse RTLD_DEEPBIND; the normal run has it")
    def test_deepbind_bare_name_skips_what_glibc_skips(self):
        """A file of that name glibc would not load (another ELF class) in
        an earlier directory (LD_LIBRARY_PATH) is passed over, as glibc does,
        for the module in the caller's RUNPATH."""
        wrong, right = (os.path.join(self.dir, d) for d in ("wrong", "right"))
        for d in (wrong, right):
            os.mkdir(d)
            shutil.copy(MODULE, os.path.join(d, "pqmodule_bare.so"))
        with open(os.path.join(wrong, "pqmodule_bare.so"), "r+b") as f:
            f.seek(4)
            f.write(b"\x01")   # ELFCLASS32
        caller = os.path.join(self.dir, "pqclient_dl_runpath")
        shutil.copy(DL, caller)
        subprocess.run(["patchelf", "--set-rpath", right, caller], check=True, timeout=60)
        self.write_policy(policy_text("enforce"))
        self.assertGoverned(self.run_cmd(
            [caller, "deepbind", tcp("good", sslmode="disable"), "pqmodule_bare.so"],
            {"LD_LIBRARY_PATH": wrong}))

    @unittest.skipIf(RUNTIME, "sanitizer runtimes refuse RTLD_DEEPBIND; the normal run has it")
    def test_deepbind_origin_is_the_callers(self):
        """dlopen("$ORIGIN/...", RTLD_DEEPBIND): $ORIGIN is the directory of
        the calling program, not the shim's."""
        os.mkdir(os.path.join(self.dir, "modules"))
        shutil.copy(MODULE, os.path.join(self.dir, "modules", "pqmodule_bare.so"))
        caller = os.path.join(self.dir, "pqclient_dl")
        shutil.copy(DL, caller)
        self.write_policy(policy_text("enforce"))
        self.assertGoverned(self.run_cmd(
            [caller, "deepbind", tcp("good", sslmode="disable"), "$ORIGIN/modules/pqmodule_bare.so"]))

    @unittest.skipIf(RUNTIME, "sanitizer runtimes refuse RTLD_DEEPBIND; the normal run has it")
    def test_deepbind_module_through_dlmopen_base(self):
        """dlmopen(LM_ID_BASE, ..., RTLD_DEEPBIND) is a dlopen: governed too."""
        self.write_policy(policy_text("enforce"))
        self.assertGoverned(self.run_cmd(
            [DL, "dlmopen-base-deepbind", tcp("good", sslmode="disable")]))

    def test_two_libpq_copies_each_used_for_its_own(self):
        copy = os.path.join(self.dir, "libpqcopy.so.5")
        module_copy = os.path.join(self.dir, "pqmodule_copy.so")
        shutil.copy(SYSTEM_LIBPQ_FILE, copy)
        shutil.copy(MODULE, module_copy)
        for args in (["--set-soname", "libpqcopy.so.5", copy],
                     ["--replace-needed", "libpq.so.5", "libpqcopy.so.5", module_copy],
                     ["--set-rpath", self.dir, module_copy]):
            subprocess.run(["patchelf"] + args, check=True)
        self.write_policy(policy_text("enforce"))
        p, lines = self.bindings([DL, "local", tcp("good", sslmode="disable"), MODULE, module_copy])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for module, libpq in ((MODULE, SYSTEM_LIBPQ), (module_copy, copy)):
            # The module's call lands in the shim...
            self.assertTrue(self.bound(lines, module, LIB, "PQconnectdb"), module)
            # ...which resolves the real functions through that module, to its own copy.
            self.assertTrue(self.bound(lines, module, libpq, "PQconnectStartParams"), module)
            self.assertTrue(self.bound(lines, libpq, libpq, "PQconnectdbParams"), libpq)
        recs = self.records()
        self.assertEqual(len(recs), 2)
        self.assertTrue(all(r["verified"] for r in recs))
