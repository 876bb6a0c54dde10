package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// config is the command line after flags, MOCKSANDBOX_* environment twins
// and defaults (in that order of precedence).
type config struct {
	command        string   // serve, healthcheck, version
	args           []string // positional arguments after the command
	addr           string
	db             string
	fixtures       string
	auth           string
	idempotency    string
	idempotencyTTL time.Duration
	tokenTTL       time.Duration
	journalSize    int
	adminToken     string
	logLevel       string
	logFormat      string
	seed           uint64
	maxBody        int64
}

var commands = map[string]bool{"serve": true, "healthcheck": true, "version": true, "fixtures": true}

// loadConfig parses args (flags may stand before or after the command) over
// the environment read through getenv.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("mocksandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address (port 0 picks a free port)")
	fs.StringVar(&c.db, "db", "", "SQLite database file (default: in-memory)")
	fs.StringVar(&c.fixtures, "fixtures", "", "fixture file or directory (default: the embedded fixture)")
	fs.StringVar(&c.auth, "auth", "permissive", "token policy: permissive (any other bearer is its own sandbox account) or strict (mock-issued and fixture tokens only)")
	fs.StringVar(&c.idempotency, "idempotency", "strict", "reused MS-RequestId with another body: strict (400) or lenient (process anew)")
	fs.DurationVar(&c.idempotencyTTL, "idempotency-ttl", 24*time.Hour, "how long stored responses are replayed")
	fs.DurationVar(&c.tokenTTL, "token-ttl", time.Hour, "lifetime of access tokens the local Entra issues")
	fs.IntVar(&c.journalSize, "journal-size", 1000, "how many requests GET /_mock/requests keeps (0: none)")
	fs.StringVar(&c.adminToken, "admin-token", "", "bearer token the /_mock control routes require (default: none)")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "", "json or console (default: console on a terminal, else json)")
	fs.Uint64Var(&c.seed, "seed", 0, "make generated ids and passwords reproducible (0: random)")
	fs.Int64Var(&c.maxBody, "max-body", 1<<20, "largest request body in bytes")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mocksandbox [serve|healthcheck|version|fixtures validate PATH] [flags]\n\nEvery flag has an environment twin MOCKSANDBOX_<NAME> (--idempotency-ttl: MOCKSANDBOX_IDEMPOTENCY_TTL).\n\nflags:")
		fs.PrintDefaults()
	}

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "MOCKSANDBOX_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				envErr = errors.Join(envErr, fmt.Errorf("%s=%q: %v", name, v, err))
			}
		}
	})
	if envErr != nil {
		return c, envErr
	}

	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.command = "serve"
	if rest := fs.Args(); len(rest) > 0 {
		if !commands[rest[0]] {
			return c, fmt.Errorf("unknown command %q; the commands are serve, healthcheck, version and fixtures validate", rest[0])
		}
		c.command = rest[0]
		if err := fs.Parse(rest[1:]); err != nil {
			return c, err
		}
		c.args = fs.Args()
	}
	if c.command == "fixtures" {
		if len(c.args) != 2 || c.args[0] != "validate" {
			return c, errors.New("usage: mocksandbox fixtures validate PATH (a fixture file or a directory of them)")
		}
	} else if len(c.args) > 0 {
		return c, fmt.Errorf("unexpected argument %q after %s", c.args[0], c.command)
	}
	return c, c.validate()
}

func (c config) validate() error {
	if _, err := zerolog.ParseLevel(c.logLevel); err != nil || c.logLevel == "" {
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", c.logLevel)
	}
	switch {
	case c.auth != "permissive" && c.auth != "strict":
		return fmt.Errorf("--auth %q: use permissive or strict", c.auth)
	case c.idempotency != "strict" && c.idempotency != "lenient":
		return fmt.Errorf("--idempotency %q: use strict or lenient", c.idempotency)
	case c.idempotencyTTL <= 0:
		return fmt.Errorf("--idempotency-ttl %s: must be positive", c.idempotencyTTL)
	case c.tokenTTL < time.Second:
		return fmt.Errorf("--token-ttl %s: must be at least 1s", c.tokenTTL)
	case c.journalSize < 0:
		return fmt.Errorf("--journal-size %d: must be 0 or more", c.journalSize)
	case c.maxBody <= 0:
		return fmt.Errorf("--max-body %d: must be positive", c.maxBody)
	case c.logFormat != "" && c.logFormat != "json" && c.logFormat != "console":
		return fmt.Errorf("--log-format %q: use json or console", c.logFormat)
	}
	return nil
}
