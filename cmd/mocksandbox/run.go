package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/fixtures"
	"github.com/mocksandbox/mocksandbox/server"
	"github.com/mocksandbox/mocksandbox/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// shutdownGrace is how long in-flight requests may finish on SIGINT/SIGTERM.
const shutdownGrace = 10 * time.Second

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	switch cfg.command {
	case "version":
		_, err := fmt.Fprintln(stdout, "mocksandbox", version)
		return err
	case "healthcheck":
		return healthcheck(ctx, cfg.addr)
	case "fixtures":
		return validateFixtures(cfg.args[1], stdout)
	}
	return serve(ctx, cfg, newLogger(cfg, stderr))
}

// newLogger is the root logger; loadConfig has checked the level.
func newLogger(cfg config, stderr io.Writer) zerolog.Logger {
	level, _ := zerolog.ParseLevel(cfg.logLevel)
	out := stderr
	if cfg.logFormat == "console" || (cfg.logFormat == "" && isTerminal(stderr)) {
		out = zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

func serve(ctx context.Context, cfg config, log zerolog.Logger) error {
	mode := store.Strict
	if cfg.idempotency == "lenient" {
		mode = store.Lenient
	}
	seed, source, err := loadFixtures(cfg.fixtures)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Options{Path: cfg.db, Seed: cfg.seed, IdempotencyTTL: cfg.idempotencyTTL})
	if err != nil {
		return err
	}
	defer st.Close()
	empty, err := st.IsEmpty(ctx)
	if err != nil {
		return err
	}
	if empty {
		if err := st.Seed(ctx, seed); err != nil {
			return fmt.Errorf("seed fixtures from %s: %w", source, err)
		}
	}

	srv, err := server.New(server.Config{Store: st, Logger: log, Version: version, Idempotency: mode,
		MaxBody: cfg.maxBody, Strict: cfg.auth == "strict", TokenTTL: cfg.tokenTTL, Seed: seed,
		JournalSize: cfg.journalSize, AdminToken: cfg.adminToken})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	srv.MarkReady()

	db := cfg.db
	if db == "" {
		db = "memory"
	}
	log.Info().Str("addr", ln.Addr().String()).Str("version", version).Str("db", db).
		Str("fixtures", source).Str("auth", cfg.auth).Bool("seeded", empty).Msg("mocksandbox listening")

	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	for {
		select {
		case err := <-served:
			return err
		case <-sweep.C:
			if _, err := st.SweepIdempotency(ctx); err != nil {
				log.Warn().Err(err).Msg("sweeping expired idempotency keys failed")
			}
		case <-ctx.Done():
			log.Info().Msg("shutting down: finishing in-flight requests")
			shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			if err := httpSrv.Shutdown(shutdownCtx); err != nil {
				log.Warn().Err(err).Msg("in-flight requests did not finish in time")
			}
			if err := st.Close(); err != nil {
				return fmt.Errorf("close database: %w", err)
			}
			log.Info().Msg("shutdown complete: database closed cleanly")
			return nil
		}
	}
}

func loadFixtures(path string) (store.Snapshot, string, error) {
	if path == "" {
		snap, err := fixtures.Default()
		return snap, fixtures.DefaultSource, err
	}
	snap, err := fixtures.LoadPath(path)
	return snap, path, err
}

// validateFixtures runs the fixture checks of start-up without serving.
func validateFixtures(path string, stdout io.Writer) error {
	snap, err := fixtures.LoadPath(path)
	if err != nil {
		return err
	}
	accounts, resellers, customers := 0, 0, 0
	for _, a := range snap.Accounts {
		accounts++
		resellers += len(a.Resellers)
		customers += len(a.Customers)
	}
	_, err = fmt.Fprintf(stdout, "%s: ok (%d accounts, %d resellers, %d customers)\n", path, accounts, resellers, customers)
	return err
}

// healthcheck exits 0 when /_mock/ready answers 200 on the configured
// address, dialling loopback when the address is a wildcard.
func healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/_mock/ready"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	return nil
}
