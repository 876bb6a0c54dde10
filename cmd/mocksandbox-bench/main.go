// Command mocksandbox-bench measures mocksandbox: cold start (exec to the
// first 200 of /_mock/ready), idle memory, latency and throughput of the
// reseller routes over loopback, and the customer routes on a small and a
// large seeded database side by side. It prints a Markdown report on stdout
// and progress on stderr. See BENCHMARKS.md.
//
//	go run ./cmd/mocksandbox-bench [-bin PATH] [-n N] [-duration D] [-accounts N] [-customer-duration D]
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
