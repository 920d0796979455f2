package killtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/payment"
	"github.com/banapos/bana/internal/payment/vnpay"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

// The size of the load: orders paid by IPN, concurrent IPN clients, and how often the server is
// killed. Sized to stay under a minute per database on a small shared machine.
const (
	orders  = 200
	clients = 8
	kills   = 3
	// replays is how many IPNs answered before a kill are sent again after the restart, among
	// the retries, as VNPAY does when it missed an answer: each must answer 02.
	replays = 25
	// stock counted for the variant sold, so that no checkout runs out.
	stock = 100_000
)

// VNPAY settings of the café; the gateway's URLs are never called (no attempt lives long enough
// for the scheduler's status query, and nothing is refunded).
const (
	tmnCode    = "BANAKILL"
	hashSecret = "kill-test-vnpay-hash-secret-0123456789"
	password   = "kill-test-owner-password-2026" // the owner's and the admin's
	adminEmail = "ops@kill.test"
)

// rescueAfter is the server's APP_ENV_JOBS_RESCUE_AFTER.
const rescueAfter = 5 * time.Second

// seedEnv names the variable that fixes the random seed, to run a failure again.
const seedEnv = "BANA_KILLTEST_SEED"

// TestKillDuringQRPayments is issue 13's crash property on both databases: `bana serve` is killed
// with SIGKILL at random moments while 8 clients deliver the VNPAY IPNs of 200 orders checked
// out with a QR tender, and restarted on the same database, 3 times; VNPAY's retries (the IPNs not
// answered yet, and some that were) follow each restart; at the end every IPN is delivered once
// more. Every answer must be what VNPAY expects (00 once per IPN, 02 after that, 99 only as "send
// it again"), and afterwards every order is paid once, with exactly one INCOME posted by the
// finance worker, every wallet's balance equals its postings, and stock reconciles with each sale
// committed once.
func TestKillDuringQRPayments(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server process; not in -short")
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv(seedEnv); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, s, err)
		}
		seed = n
	}
	t.Logf("random seed %d (run again with %s=%d)", seed, seedEnv, seed)
	bin := filepath.Join(t.TempDir(), "bana")
	build := exec.Command("go", "build", "-o", bin, "github.com/banapos/bana/cmd/bana")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/bana: %v\n%s", err, out)
	}
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			r := newRun(t, bin, tg, rand.New(rand.NewSource(seed)))
			r.prepare()
			r.load()
			r.check()
		})
	}
}

// run is one database's test: the server process, the café, its orders and the IPN ledger.
type run struct {
	t    *testing.T
	rng  *rand.Rand
	bin  string
	dir  string
	env  map[string]string
	port int
	hc   *http.Client
	tr   *http.Transport

	srv   *benchkit.Server
	lives int // servers started so far

	merchant, variant string
	token             string // the café owner's
	admin             string // a SUPER_ADMIN's

	ipns []*ipn
	mu   sync.Mutex // guards every ipn's fields below path, and problems
	// problems are answers VNPAY would not accept, found while the load runs.
	problems []string
}

// ipn is one order's IPN and what happened to its deliveries.
type ipn struct {
	order, payment, reference string
	total                     int64
	path                      string // below the server's root

	sends    int      // deliveries attempted
	lost     int      // deliveries without an answer (the server died under them)
	answers  []string // RspCodes, in order
	answered bool     // a 00 or a 02 was received: VNPAY stops retrying
}

func newRun(t *testing.T, bin string, tg dbtest.Target, rng *rand.Rand) *run {
	port, err := benchkit.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := map[string]string{
		"APP_ENV_NODE_ENV":           "test",
		"APP_ENV_DATA_DIR":           dir,
		"APP_ENV_APPLICATION_SECRET": "kill-test-application-secret-0123456789ab",
		"APP_ENV_JWT_SECRET":         "kill-test-jwt-secret-0123456789abcdef012345",
		"APP_ENV_LOG_LEVEL":          "warn",
		"APP_ENV_SERVER_HOST":        "127.0.0.1",
		"APP_ENV_SERVER_PORT":        strconv.Itoa(port),
		// A job left running by a killed process is run again after this (6m by default): the
		// finance handlers the kills interrupt must finish within the test.
		"APP_ENV_JOBS_RESCUE_AFTER": rescueAfter.String(),
	}
	if tg.Options.PostgresDSN != "" {
		env["APP_ENV_POSTGRES_URL"] = tg.Options.PostgresDSN
	} else {
		env["APP_ENV_DATA_DIR"] = filepath.Dir(tg.Options.SQLitePath)
	}
	// No keep-alive: Go's transport sends a GET again on a new connection when a reused one
	// breaks, so a delivery the killed server had already committed could come back as the
	// retry's ECONNREFUSED and be taken for one the server never saw. On a fresh connection per
	// delivery there is no retry, and ECONNREFUSED means just that.
	tr := &http.Transport{DisableKeepAlives: true, MaxConnsPerHost: clients * 2}
	r := &run{t: t, rng: rng, bin: bin, dir: dir, env: env, port: port, tr: tr,
		hc: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
	t.Cleanup(func() {
		if r.srv == nil {
			return
		}
		if err := r.srv.Stop(); err != nil && !strings.Contains(err.Error(), "already exited") {
			t.Errorf("stopping the last server: %v", err)
		}
		if t.Failed() {
			t.Logf("the last server's log:\n%s", r.srv.LogTail(40))
		}
	})
	return r
}

// start starts `bana serve` on the run's database and waits until it is ready.
func (r *run) start() {
	r.t.Helper()
	r.lives++
	srv, err := benchkit.StartServer(benchkit.ServerConfig{Bin: r.bin, Args: []string{"serve"}, Dir: r.dir, Env: r.env, Port: r.port,
		Log: fmt.Sprintf("server-%d.log", r.lives), Hide: []string{"BANA_"}})
	if err != nil {
		r.t.Fatal(err)
	}
	r.srv = srv
	if err := srv.WaitReady(context.Background(), r.hc, "/api/ready", 60*time.Second); err != nil {
		r.t.Fatalf("server %d: %v", r.lives, err)
	}
}

// kill ends the server with SIGKILL and forgets its connections.
func (r *run) kill() {
	if err := r.srv.Kill(); err != nil {
		r.t.Errorf("kill -9 of server %d: %v", r.lives, err)
	}
	r.tr.CloseIdleConnections()
}

// prepare seeds the demo café with `bana seed demo`, starts the server, signs the owner in,
// configures VNPAY and counts stock through the API, and checks out the orders with a VNPAY QR
// tender; each attempt's IPN is signed as VNPAY would send it once the customer paid.
func (r *run) prepare() {
	t := r.t
	cmd := exec.Command(r.bin, "seed", "demo", "--json", "--password", password)
	cmd.Dir = r.dir
	cmd.Env = r.environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bana seed demo: %v\n%s", err, stderr.Bytes())
	}
	var demo struct {
		MerchantID string `json:"merchantId"`
		OwnerEmail string `json:"ownerEmail"`
		LocationID string `json:"locationId"`
		Catalog    struct {
			Variants map[string]string `json:"variants"`
		} `json:"catalog"`
	}
	if err := json.Unmarshal(out, &demo); err != nil || demo.MerchantID == "" || demo.Catalog.Variants["BM-THIT"] == "" {
		t.Fatalf("bana seed demo answered %q: %v", out, err)
	}
	r.merchant, r.variant = demo.MerchantID, demo.Catalog.Variants["BM-THIT"]
	// An operator, to watch the finance queue through the jobs API.
	admin := exec.Command(r.bin, "users", "create-admin", "--email", adminEmail)
	admin.Dir, admin.Env, admin.Stdin = r.dir, r.environ(), strings.NewReader(password+"\n")
	if out, err := admin.CombinedOutput(); err != nil {
		t.Fatalf("bana users create-admin: %v\n%s", err, out)
	}

	r.start()
	r.token = r.signIn(demo.OwnerEmail)
	r.admin = r.signIn(adminEmail)
	settings, _ := json.Marshal(map[string]any{"enabled": true, "tmnCode": tmnCode, "hashSecret": hashSecret,
		"paymentUrl": "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", "apiUrl": "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction",
		"returnUrl": "https://pos.example/return"})
	r.must("POST", "/configurations", map[string]any{"code": payment.ConfigCode(payment.ProviderVNPAY), "group": "PAYMENT",
		"dataType": "SECRET", "value": string(settings), "merchantId": r.merchant}, nil)
	r.must("POST", "/inventory-counts", map[string]any{"merchantId": r.merchant, "locationId": demo.LocationID,
		"lines": []map[string]any{{"variantId": r.variant, "counted": stock}}}, nil)

	r.ipns = make([]*ipn, orders)
	var wg sync.WaitGroup
	var failed atomic.Bool
	var next atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= orders {
					return
				}
				in, err := r.checkout(i)
				if err != nil {
					failed.Store(true)
					t.Errorf("checkout of order %d: %v", i, err)
					return
				}
				r.ipns[i] = in
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d orders checked out with a VNPAY QR tender, each waiting for its IPN", orders)
}

// checkout makes one order of one bánh mì and checks it out with a VNPAY QR tender.
func (r *run) checkout(n int) (*ipn, error) {
	var o struct {
		ID    string `json:"id"`
		Total int64  `json:"total"`
	}
	if err := r.call("POST", "/sale-orders", map[string]any{"merchantId": r.merchant, "type": "TAKE_AWAY",
		"lines": []map[string]any{{"variantId": r.variant, "quantity": 1}}}, &o); err != nil {
		return nil, err
	}
	var v struct {
		Status   string `json:"status"`
		Payments []struct {
			ID        string `json:"id"`
			Reference string `json:"reference"`
			Status    string `json:"status"`
		} `json:"payments"`
	}
	if err := r.call("POST", "/sale-orders/"+o.ID+"/checkout", map[string]any{"tenders": []map[string]any{
		{"provider": payment.ProviderVNPAY, "method": payment.MethodQR, "amount": o.Total}}}, &v); err != nil {
		return nil, err
	}
	if v.Status != "PROCESSING" || len(v.Payments) != 1 || v.Payments[0].Status != "PENDING" || v.Payments[0].Reference == "" {
		return nil, fmt.Errorf("checkout answered %+v, want a PROCESSING order with one PENDING attempt", v)
	}
	p := v.Payments[0]
	q := url.Values{"vnp_TmnCode": {tmnCode}, "vnp_Amount": {strconv.FormatInt(o.Total*100, 10)}, "vnp_BankCode": {"NCB"},
		"vnp_BankTranNo": {"VNP" + p.Reference}, "vnp_CardType": {"QRCODE"}, "vnp_OrderInfo": {"Thanh toan don hang " + o.ID},
		"vnp_PayDate": {vnpay.FormatDate(time.Now())}, "vnp_ResponseCode": {"00"}, "vnp_TransactionNo": {strconv.Itoa(14_500_000 + n)},
		"vnp_TransactionStatus": {"00"}, "vnp_TxnRef": {p.Reference}, "vnp_SecureHashType": {"HmacSHA512"}}
	q.Set("vnp_SecureHash", vnpay.Sign(hashSecret, q))
	return &ipn{order: o.ID, payment: p.ID, reference: p.Reference, total: o.Total,
		path: "/api/payment-ipn/vnpay/" + r.merchant + "?" + q.Encode()}, nil
}

// load delivers the IPNs through kills+1 server lives: in each of the first kills lives, after a
// random number of answers, the server is killed under the load; each restart is followed by
// VNPAY's retries (every IPN not answered yet) mixed with replays of IPNs already answered. The
// last life delivers until every IPN is answered, and then every IPN once more.
func (r *run) load() {
	t := r.t
	for life := 0; life <= kills; life++ {
		if life > 0 {
			r.start()
		}
		list := r.pending()
		pending := len(list)
		if life > 0 {
			list = append(list, r.sample(replays)...)
		}
		r.rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		killAfter := 0
		if life < kills {
			killAfter = 1 + r.rng.Intn(max(1, len(list)/2))
		}
		answered, lost, killed := r.deliver(list, killAfter)
		how := "not killed"
		if killed {
			how = fmt.Sprintf("killed at answer %d, %d deliveries got no answer", killAfter, lost)
		}
		t.Logf("life %d: %d deliveries (%d replays), %d answered, %s", r.lives, len(list), len(list)-pending, answered, how)
		if life < kills && !killed {
			// Every delivery was answered before the count was reached: kill it idle.
			r.kill()
		}
	}
	// The provider keeps retrying what is not answered (a 99 is "send it again").
	for attempt := 0; ; attempt++ {
		list := r.pending()
		if len(list) == 0 {
			break
		}
		if attempt == 5 {
			t.Fatalf("%d IPNs still not answered 00 or 02 after 5 more deliveries each: %s", len(list), r.describe(list))
		}
		r.deliver(list, 0)
	}
	// Everything once more: all answer 02.
	all := make([]int, len(r.ipns))
	for i := range all {
		all[i] = i
	}
	r.deliver(all, 0)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.problems {
		t.Error(p)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// pending lists the IPNs that have no 00 or 02 yet.
func (r *run) pending() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for i, in := range r.ipns {
		if !in.answered {
			out = append(out, i)
		}
	}
	return out
}

// sample picks up to n IPNs already answered.
func (r *run) sample(n int) []int {
	r.mu.Lock()
	var done []int
	for i, in := range r.ipns {
		if in.answered {
			done = append(done, i)
		}
	}
	r.mu.Unlock()
	r.rng.Shuffle(len(done), func(i, j int) { done[i], done[j] = done[j], done[i] })
	return done[:min(n, len(done))]
}

// deliver sends the IPNs of list from the clients, each taking the next one; with killAfter > 0
// the server is killed (SIGKILL) as the killAfter-th answer arrives, while the other clients'
// deliveries are in flight, and the clients stop.
func (r *run) deliver(list []int, killAfter int) (answered, lost int, killed bool) {
	var next, got, failed atomic.Int64
	var dead atomic.Bool
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !dead.Load() {
				k := int(next.Add(1) - 1)
				if k >= len(list) {
					return
				}
				in := r.ipns[list[k]]
				r.mu.Lock()
				before := in.sends
				in.sends++
				r.mu.Unlock()
				code, err := r.sendIPN(in)
				r.record(in, before, code, err)
				if err != nil {
					failed.Add(1)
				} else if got.Add(1) == int64(killAfter) {
					dead.Store(true)
					r.kill()
				}
			}
		}()
	}
	wg.Wait()
	return int(got.Load()), int(failed.Load()), dead.Load()
}

// sendIPN sends one IPN as VNPAY does: a GET without credentials.
func (r *run) sendIPN(in *ipn) (string, error) {
	resp, err := r.hc.Get(r.srv.Root + in.path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var rep vnpay.IPNReply
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &rep) != nil || rep.RspCode == "" {
		// An answer, but not one VNPAY understands: a problem, not a lost delivery.
		return "HTTP " + strconv.Itoa(resp.StatusCode) + " " + strings.TrimSpace(string(body)), nil
	}
	return rep.RspCode, nil
}

// record notes one delivery's outcome and checks it: 00 only for an IPN never answered before,
// 02 only for one delivered before (answered, or sent to a server that died under it), 99 at
// any time (VNPAY sends it again); anything else is wrong.
func (r *run) record(in *ipn, before int, code string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		// Sent after the kill: the server never saw it.
		in.sends--
		return
	case err != nil:
		in.lost++
		return
	}
	in.answers = append(in.answers, code)
	bad := ""
	switch code {
	case vnpay.RspConfirmed:
		if in.answered {
			bad = "00 again: the first 00 (or 02) was lost"
		}
		in.answered = true
	case vnpay.RspAlreadyConfirmed:
		if before == 0 {
			bad = "02 on its first delivery: something else paid it"
		}
		in.answered = true
	case vnpay.RspUnknownError:
	default:
		bad = "an answer VNPAY does not retry and that is not 00 or 02"
	}
	if bad != "" {
		r.problems = append(r.problems, fmt.Sprintf("IPN of order %s (life %d): %s; its answers %v, %d deliveries lost",
			in.order, r.lives, bad, in.answers, in.lost))
	}
}

// describe names a few IPNs and their history.
func (r *run) describe(list []int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, i := range list[:min(5, len(list))] {
		in := r.ipns[i]
		fmt.Fprintf(&b, "\n  order %s payment %s: answers %v, %d lost", in.order, in.payment, in.answers, in.lost)
	}
	return b.String()
}

// check reads the outcome through the API of the last server: every order paid once, each
// payment's INCOME posted once (waiting for the finance worker, which also finishes the
// handlers the kills interrupted), balances equal to postings, stock reconciled.
func (r *run) check() {
	t := r.t
	byPayment := map[string]*ipn{}
	var want int64
	for _, in := range r.ipns {
		byPayment[in.payment] = in
		want += in.total
	}

	// Sale: each order PAID by its one attempt, SUCCEEDED for the order's total.
	for _, in := range r.ipns {
		var o struct {
			Status   string `json:"status"`
			Total    int64  `json:"total"`
			Payments []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Amount int64  `json:"amount"`
			} `json:"payments"`
		}
		r.must("GET", "/sale-orders/"+in.order+"/view", nil, &o)
		if o.Status != "PAID" || len(o.Payments) != 1 || o.Payments[0].ID != in.payment || o.Payments[0].Status != "SUCCEEDED" ||
			o.Payments[0].Amount != in.total {
			t.Errorf("order %s after the kills: %+v; its IPN's answers %v, %d deliveries lost", in.order, o, in.answers, in.lost)
		}
	}
	// Payment: one APPLIED notification per attempt; the replays were recorded as duplicates.
	var applied struct {
		Count int `json:"count"`
	}
	r.must("GET", "/payment-notifications/count?where="+url.QueryEscape(fmt.Sprintf(`{"merchantId":%q,"outcome":"APPLIED"}`, r.merchant)), nil, &applied)
	if applied.Count != orders {
		t.Errorf("%d notifications APPLIED, want one per order (%d)", applied.Count, orders)
	}

	// Finance: wait until the worker has posted an income for every order and has nothing left
	// to do (the handlers the kills interrupted are rescued and run again), then count.
	var postings []posting
	var busy []job
	deadline := time.Now().Add(3 * time.Minute)
	start := time.Now()
	for {
		postings, busy = r.incomes(), r.unfinished()
		if len(postings) >= orders && len(busy) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond) // polling the condition: the worker runs in the server
	}
	t.Logf("the finance worker had posted %d incomes and finished its jobs %s after the load ended", len(postings), time.Since(start).Round(time.Millisecond))
	if len(busy) > 0 {
		t.Errorf("3 minutes after the load, %d finance jobs are still unfinished: %+v", len(busy), busy[:min(10, len(busy))])
	}
	if gone := r.financeJobs("discarded"); len(gone) > 0 {
		t.Errorf("%d finance jobs were discarded (their handler failed every attempt): %+v", len(gone), gone[:min(10, len(gone))])
	}
	again := 0
	for _, j := range r.financeJobs("completed") {
		if j.Attempt > 1 {
			again++
		}
	}
	t.Logf("%d finance handlers ran more than once (interrupted by a kill, or retried)", again)
	seen := map[string]int{}
	var sum int64
	for _, p := range postings {
		pid, _ := strings.CutPrefix(p.SourceKey, "PAYMENT:")
		seen[pid]++
		in := byPayment[pid]
		switch {
		case in == nil:
			t.Errorf("an INCOME for payment %s, which no order of the test has: %+v", pid, p)
		case p.Type != "INCOME" || p.Amount != in.total || p.ReferenceID != in.order:
			t.Errorf("the INCOME of payment %s of order %s: %+v, want INCOME of %d about the order", pid, in.order, p, in.total)
		}
		sum += p.Amount
	}
	var missing, doubled []string
	for _, in := range r.ipns {
		switch n := seen[in.payment]; {
		case n == 0:
			missing = append(missing, fmt.Sprintf("order %s payment %s (IPN answers %v, %d lost)", in.order, in.payment, in.answers, in.lost))
		case n > 1:
			doubled = append(doubled, fmt.Sprintf("order %s payment %s: %d incomes", in.order, in.payment, n))
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d paid orders have no INCOME 3 minutes after the load (the finance worker lost them): %s", len(missing),
			strings.Join(missing[:min(10, len(missing))], "; "))
	}
	if len(doubled) > 0 {
		t.Errorf("%d paid orders have more than one INCOME: %s", len(doubled), strings.Join(doubled[:min(10, len(doubled))], "; "))
	}
	if sum != want {
		t.Errorf("the incomes add up to %d, the orders to %d", sum, want)
	}

	// Every wallet's balance is its postings, and the wallets hold exactly the incomes.
	var rec struct {
		OK      bool `json:"ok"`
		Wallets []struct {
			WalletID string `json:"walletId"`
			Balance  int64  `json:"balance"`
			Postings int64  `json:"postings"`
		} `json:"wallets"`
		Problems []string `json:"problems"`
	}
	raw := r.must("GET", "/finance-reconciliations?merchantId="+r.merchant, nil, &rec)
	var held int64
	for _, w := range rec.Wallets {
		held += w.Balance
	}
	if !rec.OK || held != want {
		t.Errorf("finance reconciliation: ok %v, the wallets hold %d, want %d: %s", rec.OK, held, want, raw)
	}

	// Stock: reconciled, and each sale committed once.
	var inv struct {
		OK            bool `json:"ok"`
		Items         int  `json:"items"`
		Discrepancies []any
	}
	raw = r.must("GET", "/inventory/reconcile?merchantId="+r.merchant, nil, &inv)
	if !inv.OK || inv.Items == 0 {
		t.Errorf("inventory reconciliation: %s", raw)
	}
	var items []struct {
		QuantityOnHand   int64 `json:"quantityOnHand"`
		QuantityReserved int64 `json:"quantityReserved"`
	}
	raw = r.must("GET", "/inventories?filter="+url.QueryEscape(fmt.Sprintf(`{"where":{"merchantId":%q,"variantId":%q}}`, r.merchant, r.variant)), nil, &items)
	if len(items) != 1 || items[0].QuantityOnHand != stock-orders || items[0].QuantityReserved != 0 {
		t.Errorf("stock of the bánh mì after %d sales of one from %d: %s", orders, stock, raw)
	}
}

// signIn signs a user in through the API and returns the bearer token.
func (r *run) signIn(email string) string {
	r.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	r.must("POST", "/auth/sign-in", map[string]any{"identifier": email, "password": password}, &out)
	if out.Token == "" {
		r.t.Fatalf("sign-in of %s answered no token", email)
	}
	return out.Token
}

// job is the part of a background job the test reads.
type job struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	State   string   `json:"state"`
	Attempt int      `json:"attempt"`
	Errors  []string `json:"errors"`
}

// financeJobs lists the finance queue's jobs in a state, as the admin.
func (r *run) financeJobs(state string) []job {
	r.t.Helper()
	var out []job
	r.mustAs(r.admin, "GET", "/jobs?queue=finance&limit=1000&state="+state, nil, &out)
	return out
}

// unfinished lists the finance queue's jobs not finished yet.
func (r *run) unfinished() []job {
	var out []job
	for _, st := range []string{"available", "pending", "running", "retryable", "scheduled"} {
		out = append(out, r.financeJobs(st)...)
	}
	return out
}

// posting is the part of a finance transaction the test reads.
type posting struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Amount      int64  `json:"amount"`
	SourceKey   string `json:"sourceKey"`
	ReferenceID string `json:"referenceId"`
	WalletID    string `json:"walletId"`
}

// incomes lists the merchant's postings of payments.
func (r *run) incomes() []posting {
	var out []posting
	f := fmt.Sprintf(`{"where":{"merchantId":%q,"source":"PAYMENT"},"order":["id ASC"],"limit":1000}`, r.merchant)
	r.must("GET", "/finance-transactions?filter="+url.QueryEscape(f), nil, &out)
	return out
}

// environ is this process's environment without APP_ENV_* and BANA_* (a developer's settings
// must not leak into the server), plus the run's settings.
func (r *run) environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "APP_ENV_") && !strings.HasPrefix(kv, "BANA_") {
			out = append(out, kv)
		}
	}
	for k, v := range r.env {
		out = append(out, k+"="+v)
	}
	return out
}

// must is call, failing the test on an error; it returns the answer's body.
func (r *run) must(method, path string, body, out any) string {
	r.t.Helper()
	return r.mustAs(r.token, method, path, body, out)
}

// mustAs is must with the bearer token of another user.
func (r *run) mustAs(token, method, path string, body, out any) string {
	r.t.Helper()
	var raw json.RawMessage
	if err := r.callAs(token, method, path, body, &raw); err != nil {
		r.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			r.t.Fatalf("%s %s: %v in %.500s", method, path, err, raw)
		}
	}
	return string(raw)
}

// call sends an API request as the owner (once signed in) and decodes a 2xx answer into out.
func (r *run) call(method, path string, body, out any) error {
	return r.callAs(r.token, method, path, body, out)
}

// callAs is call with a bearer token (none when empty).
func (r *run) callAs(token, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.srv.Root+"/api"+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %.500s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w in %.500s", method, path, err, raw)
		}
	}
	return nil
}
