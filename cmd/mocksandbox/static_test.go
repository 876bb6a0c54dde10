package main

import (
	"context"
	"debug/elf"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The image's numeric non-root user (Dockerfile USER 65532:65532).
const imageUID, imageGID = 65532, 65532

// TestStaticBinaryRunsInAnEmptyRoot is the scratch image without an engine:
// scripts/build-static.sh builds the binary the Dockerfile's build stage
// builds, and the test runs it chrooted into a directory holding nothing
// else, as the image's numeric user, with only the image's environment.
func TestStaticBinaryRunsInAnEmptyRoot(t *testing.T) {
	t.Parallel() // its build overlaps the plain build of the process tests on a cold cache
	if os.Geteuid() != 0 {
		t.Skip("needs root to chroot and change user (run as root, e.g. in CI's container)")
	}
	requireStaticLibc(t)

	out := filepath.Join(t.TempDir(), "mocksandbox")
	const stamped = "static-test"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, filepath.Join("..", "..", "scripts", "build-static.sh"), out)
	build.Env = append(os.Environ(), "VERSION="+stamped)
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build-static.sh: %v\n%s", err, msg)
	}
	requireNoDynamicDependencies(t, out)

	// The root holds the binary and nothing else: no libc, no /etc, no /tmp.
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil { // the image's user must reach /mocksandbox
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "mocksandbox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	inImage := func(ctx context.Context, env []string, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "/mocksandbox", args...)
		cmd.Dir = "/"
		cmd.Env = env
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Chroot:     root,
			Credential: &syscall.Credential{Uid: imageUID, Gid: imageGID},
		}
		return cmd
	}

	t.Run("version is stamped from VERSION", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		got, err := inImage(ctx, nil, "version").Output()
		if err != nil {
			t.Fatalf("/mocksandbox version: %v", err)
		}
		if want := "mocksandbox " + stamped + "\n"; string(got) != want {
			t.Errorf("/mocksandbox version = %q, want %q", got, want)
		}
	})

	// ENTRYPOINT ["/mocksandbox"], CMD ["serve"], ENV MOCKSANDBOX_ADDR.
	addr := freeAddr(t)
	env := []string{"MOCKSANDBOX_ADDR=" + addr}
	p := startProc(t, inImage(context.Background(), env, "serve"))
	if p.addr != addr {
		t.Errorf("start-up line says %s, want MOCKSANDBOX_ADDR's %s", p.addr, addr)
	}

	t.Run("serves Partner Center calls", func(t *testing.T) {
		resp := do(t, p.url, pcRequest{method: http.MethodPost, path: "/v1/sandboxIndirectReseller", token: fixtureToken, body: resellerBody("scratch1")})
		if resp.status != http.StatusCreated {
			t.Fatalf("create reseller: %d %s", resp.status, resp.body)
		}
		if got := resp.header.Get("X-Mocksandbox-Version"); got != stamped {
			t.Errorf("X-Mocksandbox-Version = %q, want %q", got, stamped)
		}
		id := createdResellerID(t, resp.body)
		if ids := listResellerIDs(t, p.url, fixtureToken); len(ids) != 1 || ids[0] != id {
			t.Errorf("GET /v1/relationships = %v, want [%s]", ids, id)
		}
	})

	t.Run("HEALTHCHECK CMD /mocksandbox healthcheck exits 0", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if msg, err := inImage(ctx, env, "healthcheck").CombinedOutput(); err != nil {
			t.Errorf("/mocksandbox healthcheck: %v: %s", err, msg)
		}
	})

	p.stop(t)
	if !strings.Contains(p.stderr.String(), "shutdown complete: database closed cleanly") {
		t.Errorf("stderr lacks the clean-shutdown line:\n%s", p.stderr)
	}
}

// requireStaticLibc skips the test when the C toolchain has no static libc
// (libc.a), without which no static cgo binary can be linked.
func requireStaticLibc(t *testing.T) {
	t.Helper()
	cc := "gcc"
	if out, err := exec.Command("go", "env", "CC").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		cc = strings.Fields(string(out))[0]
	}
	out, err := exec.Command(cc, "-print-file-name=libc.a").Output()
	if err != nil {
		t.Skipf("no C compiler for the static cgo build (%s: %v)", cc, err)
	}
	if path := strings.TrimSpace(string(out)); !filepath.IsAbs(path) {
		t.Skipf("%s has no static libc (libc.a); install it (Debian: libc6-dev, Alpine: musl-dev) to build the static binary", cc)
	}
}

// requireNoDynamicDependencies fails unless path is an ELF executable with
// no program interpreter and no DT_NEEDED libraries: it runs with nothing
// beside it.
func requireNoDynamicDependencies(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s is not ELF: %v", path, err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			t.Errorf("%s has a PT_INTERP program header: it needs a dynamic loader", path)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		t.Fatalf("%s: read DT_NEEDED: %v", path, err)
	}
	if len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v", path, libs)
	}
}
