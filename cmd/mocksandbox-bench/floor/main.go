// Command floor is the baseline that mocksandbox-bench measures the mock
// against: about the least a plain Go net/http server on mattn/go-sqlite3
// (WAL mode) can do to answer the bench's requests with bodies of the same
// sizes. It does one indexed SELECT per GET and one INSERT per POST, with no
// authentication (the bearer token is the account key), no validation beyond
// decoding the fields it stores, no logging and no idempotency other than the
// UNIQUE request id that the INSERT itself enforces. Like the mock's store, it
// has one writer connection and a pool of readers, and the same DSN parameters
// (WAL, synchronous=NORMAL, the driver's per-connection statement cache).
//
//	floor [--addr 127.0.0.1:0] [--db FILE] [--list-bytes N] [--filter-bytes N] [--customer-bytes N] [--reseller-bytes N]
//	floor seed --db FILE --doc-bytes N --item-bytes N < account<TAB>reseller<TAB>id lines
//
// The bench builds it, seeds it and starts it; nothing else uses it.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "seed" {
		return seed(args[1:], stdin, stdout, stderr)
	}
	return serve(args, stderr)
}
