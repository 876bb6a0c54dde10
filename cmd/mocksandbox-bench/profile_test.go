package main

import (
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/fixtures"
	"github.com/mocksandbox/mocksandbox/server"
	"github.com/mocksandbox/mocksandbox/store"
)

var journalSize = flag.Int("journal", 1000, "BenchmarkMock: the mock's --journal-size")

// BenchmarkMock runs the mock's server and store in this process, wired as
// cmd/mocksandbox wires them (file database, JSON access log at info level,
// journal of 1000), and sends it the bench's requests over loopback HTTP
// from 2×GOMAXPROCS goroutines. It exists to be profiled:
//
//	go test -run '^$' -bench 'Mock/GET_customer' -benchtime 20000x -cpuprofile cpu.out ./cmd/mocksandbox-bench/
//	go tool pprof -top -focus 'server\.' cmd/mocksandbox-bench.test cpu.out
//
// The client's work is in the same profile; focus on the server's frames.
// The spare accounts take at most 20,000 creates per operation. -journal N
// (after the package path) sets the journal's size (0: none).
func BenchmarkMock(b *testing.B) {
	const most = 20000
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "mock.db")
	ds, _, err := buildMockDatabase(ctx, "small", path, smallAccounts,
		spares{customer: most/customersPerAccount + 1, reseller: most/resellersPerAccount + 1})
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	seed, err := fixtures.Default()
	if err != nil {
		b.Fatal(err)
	}
	log := zerolog.New(io.Discard).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	srv, err := server.New(server.Config{Store: st, Logger: log, Version: "bench", Seed: seed, JournalSize: *journalSize})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	srv.MarkReady()
	base := "http://" + ln.Addr().String()

	wl := newWorkload(ds, randomHex(4))
	if _, _, err := wl.prime(ctx, base); err != nil {
		b.Fatal(err)
	}
	names := map[string]string{opGet: "GET_customer", opList: "list", opFilter: "filter",
		opCreateCustomer: "create_customer", opCreateReseller: "create_reseller", opReplay: "replay"}
	conns := 2 * runtime.GOMAXPROCS(0)
	for _, op := range append(wl.readOps(), wl.writeOps()...) {
		b.Run(names[op.name], func(b *testing.B) {
			if op.class == writeOp && op.name != opReplay && b.N > most {
				b.Skipf("the spare accounts take %d creates, not %d", most, b.N)
			}
			client := newClient(conns)
			defer client.CloseIdleConnections()
			b.SetParallelism(2)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := send(ctx, client, base, op.build(op.take(1)), op.want); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
