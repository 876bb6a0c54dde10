// Command mocksandbox-bench measures mocksandbox against a floor baseline:
// a plain Go net/http server on mattn/go-sqlite3 (WAL) that does one indexed
// SELECT per GET and one INSERT per POST with answers of the same sizes
// (./floor, built in the same run). For both it measures cold start (exec to
// the first 200 of /_mock/ready) and idle memory, then drives the customer
// and reseller routes with the same load generator (wrk when installed, else
// a Go loop) on 127.0.0.1, on a small and a large seeded database, and
// prints a Markdown report with ratios to the floor on stdout and progress on
// stderr. See BENCHMARKS.md.
//
//	go run ./cmd/mocksandbox-bench [-n N] [-duration D] [-accounts N] [-load auto|wrk|go] [-mock-args FLAGS] [-bin PATH] [-floor-bin PATH]
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mocksandbox-bench:", err)
		os.Exit(1)
	}
}
