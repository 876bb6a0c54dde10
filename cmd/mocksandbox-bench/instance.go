package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds everything between exec and the start-up log line.
const startTimeout = 10 * time.Second

// program is a server binary the bench starts: the mock or the floor.
type program struct {
	name string   // "mock" or "floor", for the report
	path string   // the binary
	args []string // always passed first; they make it listen on 127.0.0.1:0
}

// instance is one running server process.
type instance struct {
	prog    program
	cmd     *exec.Cmd
	started time.Time     // just before exec
	logLine time.Duration // exec → the "… listening" start-up line
	addr    string        // 127.0.0.1:port, from the start-up line
	logDone chan struct{} // closed when stderr reaches EOF
	tail    *lineTail
}

// startInstance execs prog with its args plus args, and returns once its
// JSON start-up line ("mocksandbox listening", "floor listening") named the
// address.
func startInstance(ctx context.Context, prog program, args ...string) (*instance, error) {
	bin := prog.path
	cmd := exec.CommandContext(ctx, bin, append(slices.Clone(prog.args), args...)...)
	// A process group of its own, so that kill also ends what a -bin
	// wrapper script started (its children would hold stderr open).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 3 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	in := &instance{prog: prog, cmd: cmd, logDone: make(chan struct{}), tail: &lineTail{max: 20}}
	addrs := make(chan string, 1)
	in.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("exec %s: %w", bin, err)
	}
	go in.readLog(stderr, addrs)

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case addr, ok := <-addrs:
		if !ok {
			in.kill()
			return nil, fmt.Errorf("%s exited before its start-up line; its stderr ended with:\n%s", bin, in.tail)
		}
		in.logLine = time.Since(in.started)
		in.addr = addr
	case <-timer.C:
		in.kill()
		return nil, fmt.Errorf("%s printed no start-up line within %s; its stderr ended with:\n%s", bin, startTimeout, in.tail)
	case <-ctx.Done():
		in.kill()
		return nil, ctx.Err()
	}
	host, _, err := net.SplitHostPort(in.addr)
	if err != nil || host != "127.0.0.1" {
		in.kill()
		return nil, fmt.Errorf("the start-up line gave addr %q; the bench talks to 127.0.0.1 only", in.addr)
	}
	return in, nil
}

// readLog scans the JSON log on stderr, sends the address of the start-up
// line, then drains (the access log would otherwise fill the pipe and
// stall the server). It closes addrs if the stream ends first.
func (in *instance) readLog(r io.Reader, addrs chan<- string) {
	defer close(in.logDone)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := false
	for sc.Scan() {
		if found {
			continue
		}
		line := sc.Bytes()
		in.tail.add(string(line))
		var entry struct {
			Message string `json:"message"`
			Addr    string `json:"addr"`
		}
		if json.Unmarshal(line, &entry) == nil && strings.HasSuffix(entry.Message, " listening") && entry.Addr != "" {
			found = true
			addrs <- entry.Addr
		}
	}
	if !found {
		close(addrs)
	}
	io.Copy(io.Discard, r) // a line over the buffer stops the scanner; keep draining
}

// baseURL is the instance's root URL.
func (in *instance) baseURL() string { return "http://" + in.addr }

// waitReady polls GET /_mock/ready tightly (at most ~100µs between tries)
// until it answers 200, and returns the time since exec.
func (in *instance) waitReady(ctx context.Context, client *http.Client) (time.Duration, error) {
	url := in.baseURL() + "/_mock/ready"
	deadline := in.started.Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(in.started), nil
			}
			err = fmt.Errorf("%s answered %s", url, resp.Status)
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		last = err
		time.Sleep(100 * time.Microsecond)
	}
	return 0, fmt.Errorf("not ready within %s: %v", startTimeout, last)
}

// memory reads VmRSS and VmHWM (peak RSS) of the process, in bytes.
func (in *instance) memory() (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", in.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc status %s: %q: %w", name, value, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc status")
	}
	return rss, hwm, nil
}

// userHZ is the unit of utime and stime in /proc/PID/stat (USER_HZ, 100 on
// every Linux the bench runs on).
const userHZ = 100

// cpuTime is the CPU time (user + system) the process has used so far,
// from /proc/PID/stat, in steps of 1/userHZ seconds.
func (in *instance) cpuTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", in.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

// parseStatCPU reads utime + stime (fields 14 and 15) of a /proc/PID/stat
// line. The command name (field 2) may hold spaces and parentheses, so the
// fields are counted from its last ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat %q: no command name", stat)
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat %q: too few fields", stat)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat utime/stime %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// kill ends the process (and its process group) at once and reaps it.
func (in *instance) kill() {
	syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
	in.reap(3 * time.Second)
}

// reap waits, at most d, for stderr to end, then for the process.
func (in *instance) reap(d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-in.logDone:
	case <-timer.C:
	}
	in.cmd.Wait() // WaitDelay bounds this
}

// stop asks the process to shut down (SIGTERM: finish requests, close the
// database) and kills it if it has not exited after a few seconds.
func (in *instance) stop() error {
	if err := syscall.Kill(-in.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		in.kill()
		return err
	}
	select {
	case <-in.logDone:
		return in.cmd.Wait()
	case <-time.After(5 * time.Second):
		in.kill()
		return errors.New("did not exit within 5s of SIGTERM; killed")
	}
}

// lineTail keeps the last lines of a log for error messages.
type lineTail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *lineTail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[1:]
	}
}

func (t *lineTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
