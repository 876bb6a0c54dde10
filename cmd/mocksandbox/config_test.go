package main

import (
	"bytes"
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// defaults is the configuration with no flags and no environment.
func defaults() config {
	return config{
		command:        "serve",
		addr:           "127.0.0.1:8080",
		auth:           "permissive",
		idempotency:    "strict",
		idempotencyTTL: 24 * time.Hour,
		tokenTTL:       time.Hour,
		journalSize:    1000,
		logLevel:       "info",
		maxBody:        1 << 20,
	}
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(*config) // applied to defaults()
	}{
		{
			name: "no flags and no environment give the defaults and serve",
			want: func(*config) {},
		},
		{
			name: "serve is the default command and may be named",
			args: []string{"serve"},
			want: func(*config) {},
		},
		{
			name: "every flag is read",
			args: []string{"--addr", "0.0.0.0:9999", "--db", "/tmp/x.db", "--fixtures", "fx", "--auth", "strict",
				"--idempotency", "lenient", "--idempotency-ttl", "90m", "--log-level", "debug", "--log-format", "console",
				"--seed", "42", "--max-body", "2048", "--token-ttl", "10m", "--journal-size", "5", "--admin-token", "adm"},
			want: func(c *config) {
				c.addr, c.db, c.fixtures, c.idempotency, c.idempotencyTTL = "0.0.0.0:9999", "/tmp/x.db", "fx", "lenient", 90*time.Minute
				c.auth, c.tokenTTL, c.journalSize, c.adminToken = "strict", 10*time.Minute, 5, "adm"
				c.logLevel, c.logFormat, c.seed, c.maxBody = "debug", "console", 42, 2048
			},
		},
		{
			name: "every flag has a MOCKSANDBOX_ environment twin",
			env: map[string]string{
				"MOCKSANDBOX_ADDR": "0.0.0.0:8080", "MOCKSANDBOX_DB": "state.db", "MOCKSANDBOX_FIXTURES": "/fixtures/default.json",
				"MOCKSANDBOX_AUTH": "strict", "MOCKSANDBOX_IDEMPOTENCY": "lenient", "MOCKSANDBOX_IDEMPOTENCY_TTL": "2h",
				"MOCKSANDBOX_LOG_LEVEL": "warn", "MOCKSANDBOX_LOG_FORMAT": "json", "MOCKSANDBOX_SEED": "7", "MOCKSANDBOX_MAX_BODY": "4096",
				"MOCKSANDBOX_TOKEN_TTL": "5m", "MOCKSANDBOX_JOURNAL_SIZE": "0", "MOCKSANDBOX_ADMIN_TOKEN": "env-admin",
			},
			want: func(c *config) {
				c.auth, c.tokenTTL, c.journalSize, c.adminToken = "strict", 5*time.Minute, 0, "env-admin"
				c.addr, c.db, c.fixtures, c.idempotency, c.idempotencyTTL = "0.0.0.0:8080", "state.db", "/fixtures/default.json", "lenient", 2*time.Hour
				c.logLevel, c.logFormat, c.seed, c.maxBody = "warn", "json", 7, 4096
			},
		},
		{
			name: "MOCKSANDBOX_IDEMPOTENCY_TTL sets the idempotency TTL",
			env:  map[string]string{"MOCKSANDBOX_IDEMPOTENCY_TTL": "15m"},
			want: func(c *config) { c.idempotencyTTL = 15 * time.Minute },
		},
		{
			name: "a flag beats its environment twin",
			args: []string{"--idempotency-ttl", "1h", "--addr", "127.0.0.1:1"},
			env:  map[string]string{"MOCKSANDBOX_IDEMPOTENCY_TTL": "15m", "MOCKSANDBOX_ADDR": "0.0.0.0:8080"},
			want: func(c *config) { c.idempotencyTTL, c.addr = time.Hour, "127.0.0.1:1" },
		},
		{
			name: "an empty environment variable counts as unset",
			env:  map[string]string{"MOCKSANDBOX_ADDR": "", "MOCKSANDBOX_MAX_BODY": ""},
			want: func(*config) {},
		},
		{
			name: "flags may stand before the command",
			args: []string{"--addr", "127.0.0.1:7000", "healthcheck"},
			want: func(c *config) { c.command, c.addr = "healthcheck", "127.0.0.1:7000" },
		},
		{
			name: "flags may stand after the command",
			args: []string{"healthcheck", "--addr", "127.0.0.1:7000"},
			want: func(c *config) { c.command, c.addr = "healthcheck", "127.0.0.1:7000" },
		},
		{
			name: "flags may stand on both sides of the command",
			args: []string{"--db", "a.db", "serve", "-addr=127.0.0.1:0", "--seed=3"},
			want: func(c *config) { c.db, c.addr, c.seed = "a.db", "127.0.0.1:0", 3 },
		},
		{
			name: "a flag after the command beats the environment",
			args: []string{"serve", "--log-format", "console"},
			env:  map[string]string{"MOCKSANDBOX_LOG_FORMAT": "json"},
			want: func(c *config) { c.logFormat = "console" },
		},
		{
			name: "version is a command",
			args: []string{"version"},
			want: func(c *config) { c.command = "version" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadConfig(tt.args, envOf(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("loadConfig(%q): %v", tt.args, err)
			}
			want := defaults()
			tt.want(&want)
			if len(got.args) == 0 {
				got.args = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("loadConfig(%q)\n got %+v\nwant %+v", tt.args, got, want)
			}
		})
	}
}

func TestLoadConfigRejects(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // a substring of the error that points at the fix
	}{
		{"an unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`},
		{"an unknown command after flags", []string{"--addr", "127.0.0.1:0", "start"}, nil, `unknown command "start"`},
		{"an argument after the command", []string{"serve", "extra"}, nil, `unexpected argument "extra"`},
		{"an unknown flag", []string{"--port", "80"}, nil, "-port"},
		{"an unknown --auth", []string{"--auth", "open"}, nil, "--auth"},
		{"an unknown MOCKSANDBOX_AUTH", nil, map[string]string{"MOCKSANDBOX_AUTH": "open"}, "--auth"},
		{"a --token-ttl under a second", []string{"--token-ttl", "10ms"}, nil, "--token-ttl"},
		{"an unknown --log-level", []string{"--log-level", "bogus"}, nil, "--log-level"},
		{"an unknown MOCKSANDBOX_LOG_LEVEL", nil, map[string]string{"MOCKSANDBOX_LOG_LEVEL": "loud"}, "--log-level"},
		{"an unknown --idempotency", []string{"--idempotency", "loose"}, nil, "--idempotency"},
		{"an unknown MOCKSANDBOX_IDEMPOTENCY", nil, map[string]string{"MOCKSANDBOX_IDEMPOTENCY": "off"}, "--idempotency"},
		{"an unknown --log-format", []string{"--log-format", "xml"}, nil, "--log-format"},
		{"an unknown --log-format after the command", []string{"serve", "--log-format", "text"}, nil, "--log-format"},
		{"a zero --max-body", []string{"--max-body", "0"}, nil, "--max-body"},
		{"a negative --max-body", []string{"--max-body", "-1"}, nil, "--max-body"},
		{"a non-numeric --max-body", []string{"--max-body", "1MiB"}, nil, "-max-body"},
		{"a non-numeric MOCKSANDBOX_MAX_BODY, naming the variable", nil, map[string]string{"MOCKSANDBOX_MAX_BODY": "big"}, "MOCKSANDBOX_MAX_BODY"},
		{"a zero --idempotency-ttl", []string{"--idempotency-ttl", "0s"}, nil, "--idempotency-ttl"},
		{"a unitless MOCKSANDBOX_IDEMPOTENCY_TTL, naming the variable", nil, map[string]string{"MOCKSANDBOX_IDEMPOTENCY_TTL": "24"}, "MOCKSANDBOX_IDEMPOTENCY_TTL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, err := loadConfig(tt.args, envOf(tt.env), &stderr)
			if err == nil {
				t.Fatalf("loadConfig(%q, %v) = nil error, want one mentioning %q", tt.args, tt.env, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("loadConfig(%q, %v) error %q does not mention %q", tt.args, tt.env, err, tt.wantErr)
			}
		})
	}
}

func TestRunVersionPrintsTheVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--addr", "127.0.0.1:0", "version"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, envOf(nil), &stdout, &stderr); err != nil {
			t.Fatalf("run(%q): %v", args, err)
		}
		if got, want := stdout.String(), "mocksandbox "+version+"\n"; got != want {
			t.Errorf("run(%q) printed %q, want %q", args, got, want)
		}
		if stderr.Len() != 0 {
			t.Errorf("run(%q) wrote to stderr: %q", args, stderr.String())
		}
	}
}

func TestRunHelpPrintsUsageAndSucceeds(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, envOf(nil), &stdout, &stderr); err != nil {
		t.Fatalf("run(-h): %v", err)
	}
	for _, want := range []string{"usage: mocksandbox", "MOCKSANDBOX_IDEMPOTENCY_TTL", "-max-body"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("run(-h) usage lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestRunRejectsBadConfigurationWithoutServing(t *testing.T) {
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := run(ctx, []string{"--addr", "127.0.0.1:0", "--auth", "nobody"}, envOf(nil), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--auth") {
		t.Fatalf("run with --auth nobody = %v, want an error naming --auth", err)
	}
}
