package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i))
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"an empty sample is zero", nil, 50, 0},
		{"one value is every percentile", []time.Duration{7}, 99, 7},
		{"p50 of 1..100 is 50 (nearest rank)", hundred, 50, 50},
		{"p99 of 1..100 is 99", hundred, 99, 99},
		{"p100 is the maximum", hundred, 100, 100},
		{"p99 of 10 values is the largest", hundred[:10], 99, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	if got := median([]time.Duration{5, 1, 3}); got != 3 {
		t.Errorf("median of an odd count = %v, want 3", got)
	}
	if got := median([]int64{4, 1, 3, 2}); got != 2 {
		t.Errorf("median of an even count = %v, want 2 (mean of 2 and 3, truncated)", got)
	}
}

func TestResellerBodyIsTheDocumentedRequestWithAFreshPrefix(t *testing.T) {
	wl := &workload{runID: "deadbeef"}
	prefix := wl.prefix(1234567)
	if !regexp.MustCompile(`^[A-Za-z0-9]{1,27}$`).MatchString(prefix) {
		t.Fatalf("prefix %q is not a valid domainPrefix (SPEC §3.1)", prefix)
	}
	var body struct {
		MpnID  string `json:"mpnId"`
		Tenant struct {
			DomainPrefix string `json:"domainPrefix"`
		} `json:"tenant"`
		OrganizationProfileLanguage string `json:"organizationProfileLanguage"`
	}
	if err := json.Unmarshal(fmt.Appendf(nil, resellerBody, prefix), &body); err != nil {
		t.Fatalf("the body is not JSON: %v", err)
	}
	if body.MpnID != "6363276" || body.Tenant.DomainPrefix != prefix || body.OrganizationProfileLanguage != "en" {
		t.Errorf("body = %+v, want the doc example with domainPrefix %q", body, prefix)
	}
}

func TestLoadConfigRejectsNonsense(t *testing.T) {
	for _, args := range [][]string{{"-n", "0"}, {"-duration", "0s"}, {"extra"}} {
		if _, err := loadConfig(args, io.Discard); err == nil {
			t.Errorf("loadConfig(%q) succeeded, want an error", args)
		}
	}
	c, err := loadConfig(nil, io.Discard)
	if err != nil || c.n < 1 || c.duration <= 0 || c.bin != "" {
		t.Errorf("defaults = %+v, %v", c, err)
	}
}
