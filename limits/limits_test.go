package limits

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	five := 5
	zero := 0
	tests := []struct {
		name    string
		kind    Kind
		want    int
		max     *int
		exceeds bool
	}{
		{"the fifth reseller fits under five", Resellers, 5, &five, false},
		{"the sixth reseller exceeds five", Resellers, 6, &five, true},
		{"no limit never exceeds", Customers, 1_000_000, nil, false},
		{"a zero limit refuses the first", Customers, 1, &zero, true},
		{"a zero limit allows nothing used", Customers, 0, &zero, false},
		{"a quantity of 26 exceeds 25", LicensesPerSubscription, 26, SandboxDefaults().LicensesPerSubscription, true},
		{"75 customers fit the default", Customers, 75, SandboxDefaults().Customers, false},
		{"the 76th customer exceeds the default", Customers, 76, SandboxDefaults().Customers, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.kind, tt.want, tt.max)
			var ex *ExceededError
			if got := errors.As(err, &ex); got != tt.exceeds {
				t.Fatalf("Check(%s, %d) = %v, want exceeded=%v", tt.kind, tt.want, err, tt.exceeds)
			}
			if tt.exceeds && (ex.Kind != tt.kind || ex.Want != tt.want || ex.Max != *tt.max) {
				t.Errorf("ExceededError = %+v", ex)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	d := SandboxDefaults()
	for kind, want := range map[Kind]int{Resellers: 5, Customers: 75, SubscriptionsPerCustomer: 5, LicensesPerSubscription: 25} {
		if got := d.Get(kind); got == nil || *got != want {
			t.Errorf("sandbox default %s = %v, want %d", kind, got, want)
		}
		if got := PrimaryDefaults().Get(kind); got != nil {
			t.Errorf("primary default %s = %d, want no limit", kind, *got)
		}
	}
	// Defaults are fresh values: changing one account's copy must not leak.
	*d.Resellers = 1
	if *SandboxDefaults().Resellers != 5 {
		t.Fatal("SandboxDefaults shares state between callers")
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		v  *int
		ok bool
	}{{nil, true}, {ptr(0), true}, {ptr(10000), true}, {ptr(-1), false}, {ptr(10001), false}} {
		if err := Validate(Customers, tt.v); (err == nil) != tt.ok {
			t.Errorf("Validate(%v) = %v, want ok=%v", tt.v, err, tt.ok)
		}
	}
}
