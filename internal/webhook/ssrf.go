package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
)

// ErrBlockedAddress is a dial to an address that webhooks may not reach: loopback, private,
// link-local, unspecified, multicast or reserved, unless the configuration allows them.
var ErrBlockedAddress = errors.New("webhook: address not allowed")

// blockedPrefixes are the reserved ranges netip's predicates do not name.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may reach a private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: may embed a private IPv4
}

// Blocked reports whether a is an address a webhook may not reach unless private addresses are
// allowed.
func Blocked(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Policy is what endpoints may be: https only (production), and whether private addresses
// may be reached (tests and local development).
type Policy struct {
	RequireHTTPS bool
	AllowPrivate bool
}

// CheckURL checks an endpoint URL as a merchant gives it, naming body.url in its error. A host
// name is checked again, resolved, at every dial (Client): a name may resolve anywhere.
func (p Policy) CheckURL(raw string) error {
	bad := func(why string) error { return errs.Field("body.url", why, raw) }
	if len(raw) > maxURL {
		return bad(fmt.Sprintf("must be at most %d characters", maxURL))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return bad("must be an absolute http(s) URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if p.RequireHTTPS {
			return bad("must be https")
		}
	default:
		return bad("must be an http(s) URL")
	}
	if u.User != nil {
		return bad("must not carry credentials")
	}
	if u.Fragment != "" {
		return bad("must not have a fragment")
	}
	host := u.Hostname()
	if host == "" {
		return bad("must name a host")
	}
	if p.AllowPrivate {
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if Blocked(a) {
			return bad("must not be a private, loopback or reserved address")
		}
		return nil
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".internal") || !strings.Contains(h, ".") {
		return bad("must be a public host name")
	}
	return nil
}

// maxURL bounds an endpoint URL.
const maxURL = 2000

// Client returns the HTTP client of deliveries: it checks every address it dials after the
// name is resolved (so a name that resolves, or later re-resolves, to a private address is
// refused), uses no proxy from the environment (which would dial for it), follows no redirect
// (a 3xx is a failed attempt: the merchant fixes the URL), and gives up after timeout.
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	if !p.AllowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
			}
			a, err := netip.ParseAddr(host)
			if err != nil || Blocked(a) {
				return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
