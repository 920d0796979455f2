package webhook

import (
	"encoding/json"
	"github.com/banapos/bana/internal/platform/db"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// Config is a merchant's endpoint (the document's WebhookConfig): where to send, which event
// types, and the state the dispatcher keeps of it (its circuit breaker, and whether sustained
// failure disabled it). Its signing secret is sealed at rest and shown only when it is made
// (create, rotate-secret).
type Config struct {
	bun.BaseModel `bun:"table:webhook_configs" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	MerchantID  *id.ID     `bun:"merchant_id" json:"merchantId,omitempty" doc:"The merchant whose events it receives; absent for every merchant of the organizer"`
	Name        db.OptText `bun:"name" json:"name,omitempty" maxLength:"200" doc:"A label for the merchant"`
	URL         string     `bun:"url" json:"url" minLength:"1" maxLength:"2000" doc:"The endpoint: https (http outside production), a public address"`
	EventTypes  []string   `bun:"event_types,type:jsonb" json:"eventTypes" required:"false" maxItems:"20" doc:"Event types it receives (see GET /webhook-event-types); empty for all"`
	Enabled     bool       `bun:"enabled" json:"enabled" required:"false" doc:"Deliveries go out only while enabled; set it again after an automatic disable"`
	// Secret is the signing secret in the clear: accepted on create (generated when absent) and
	// returned only by create and rotate-secret.
	Secret string `bun:"-" json:"secret,omitempty" required:"false" maxLength:"100" doc:"The signing secret (whsec_...): returned once, when created or rotated; a client may bring its own on create"`

	SecretSealed         string     `bun:"secret_sealed" json:"-"`
	PreviousSecretSealed db.OptText `bun:"previous_secret_sealed" json:"-"`
	PreviousSecretUntil  *time.Time `bun:"previous_secret_until" json:"previousSecretUntil,omitempty" readOnly:"true" doc:"Until when messages are also signed with the secret before the last rotation"`

	BreakerState        string     `bun:"breaker_state" json:"breakerState" readOnly:"true" enum:"CLOSED,OPEN,HALF_OPEN" doc:"The endpoint's circuit breaker"`
	ConsecutiveFailures int        `bun:"consecutive_failures" json:"consecutiveFailures" readOnly:"true"`
	BreakerUntil        *time.Time `bun:"breaker_until" json:"breakerUntil,omitempty" readOnly:"true" doc:"While OPEN: when one probe may go"`
	BreakerTrips        int        `bun:"breaker_trips" json:"breakerTrips" readOnly:"true" doc:"Times the breaker opened in a row without a success"`
	FailingSince        *time.Time `bun:"failing_since" json:"failingSince,omitempty" readOnly:"true" doc:"First failure with no success since"`
	LastSuccessAt       *time.Time `bun:"last_success_at" json:"lastSuccessAt,omitempty" readOnly:"true"`
	LastFailureAt       *time.Time `bun:"last_failure_at" json:"lastFailureAt,omitempty" readOnly:"true"`
	DisabledReason      db.OptText `bun:"disabled_reason" json:"disabledReason,omitempty" readOnly:"true" doc:"Why the dispatcher disabled it"`
	DisabledAt          *time.Time `bun:"disabled_at" json:"disabledAt,omitempty" readOnly:"true"`

	CreatedAt time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// Breaker states.
const (
	BreakerClosed   = "CLOSED"
	BreakerOpen     = "OPEN"
	BreakerHalfOpen = "HALF_OPEN"
)

// configComputed are the fields only the dispatcher sets; configSealed the sealed secrets,
// which only create and rotate-secret write.
var (
	configComputed = []string{"previousSecretUntil", "breakerState", "consecutiveFailures", "breakerUntil", "breakerTrips",
		"failingSince", "lastSuccessAt", "lastFailureAt", "disabledReason", "disabledAt"}
	configSealed = []string{"secretSealed", "previousSecretSealed"}
)

// wants reports whether the endpoint takes an event of the type for the merchant.
func (c *Config) wants(merchantID id.ID, eventType string) bool {
	if !c.Enabled || c.DeletedAt != nil || (c.MerchantID != nil && *c.MerchantID != merchantID) {
		return false
	}
	return len(c.EventTypes) == 0 || slices.Contains(c.EventTypes, eventType)
}

// Delivery is one event on its way to one endpoint. Its payload is the body exactly as signed
// and sent; its webhook-id ("msg_<event id>") is the same at every attempt and redelivery, so a
// receiver drops a repeat.
type Delivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries" json:"-"`

	ID             id.ID      `bun:"id,pk" json:"id"`
	OrganizerID    id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID     id.ID      `bun:"merchant_id" json:"merchantId"`
	ConfigID       id.ID      `bun:"config_id" json:"configId"`
	EventID        id.ID      `bun:"event_id" json:"eventId"`
	EventType      string     `bun:"event_type" json:"eventType"`
	OrderID        *id.ID     `bun:"order_id" json:"orderId,omitempty" doc:"Events of one order reach an endpoint in order"`
	Payload        string     `bun:"payload" json:"payload" doc:"The body sent, exactly as signed"`
	State          string     `bun:"state" json:"state" enum:"PENDING,WAITING,SUCCEEDED,FAILED" doc:"WAITING: behind an earlier event of the same order"`
	Attempts       int        `bun:"attempts" json:"attempts"`
	RoundAttempts  int        `bun:"round_attempts" json:"roundAttempts" doc:"Attempts since it was queued or redelivered: its place in the retry schedule"`
	Ticket         int64      `bun:"ticket" json:"-"`
	NextAttemptAt  *time.Time `bun:"next_attempt_at" json:"nextAttemptAt,omitempty"`
	LastStatusCode *int       `bun:"last_status_code" json:"lastStatusCode,omitempty"`
	LastError      db.OptText `bun:"last_error" json:"lastError,omitempty"`
	DeliveredAt    *time.Time `bun:"delivered_at" json:"deliveredAt,omitempty"`
	CreatedAt      time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt      time.Time  `bun:"updated_at" json:"updatedAt"`
}

// Delivery states.
const (
	StatePending   = "PENDING"
	StateWaiting   = "WAITING"
	StateSucceeded = "SUCCEEDED"
	StateFailed    = "FAILED"
)

// MessageID is the webhook-id of the delivery: the event's, the same at every attempt.
func (d *Delivery) MessageID() string { return "msg_" + d.EventID.String() }

// Attempt is one HTTP attempt of a delivery, as the delivery log shows it.
type Attempt struct {
	bun.BaseModel `bun:"table:webhook_attempts" json:"-"`

	ID           id.ID      `bun:"id,pk" json:"id"`
	OrganizerID  id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID   id.ID      `bun:"merchant_id" json:"merchantId"`
	ConfigID     id.ID      `bun:"config_id" json:"configId"`
	DeliveryID   id.ID      `bun:"delivery_id" json:"deliveryId"`
	Attempt      int        `bun:"attempt" json:"attempt"`
	URL          string     `bun:"url" json:"url"`
	Outcome      string     `bun:"outcome" json:"outcome" enum:"SUCCEEDED,FAILED"`
	StatusCode   *int       `bun:"status_code" json:"statusCode,omitempty" doc:"Absent when no response came (refused, timed out)"`
	LatencyMS    int64      `bun:"latency_ms" json:"latencyMs"`
	ResponseBody db.OptText `bun:"response_body" json:"responseBody,omitempty" doc:"The response's first 1 KiB"`
	Error        db.OptText `bun:"error" json:"error,omitempty"`
	CreatedAt    time.Time  `bun:"created_at" json:"createdAt"`
}

// Notice tells a merchant what the dispatcher did to an endpoint (disabled it).
type Notice struct {
	bun.BaseModel `bun:"table:webhook_notifications" json:"-"`

	ID          id.ID     `bun:"id,pk" json:"id"`
	OrganizerID id.ID     `bun:"organizer_id" json:"organizerId"`
	MerchantID  *id.ID    `bun:"merchant_id" json:"merchantId,omitempty"`
	ConfigID    id.ID     `bun:"config_id" json:"configId"`
	Kind        string    `bun:"kind" json:"kind" enum:"ENDPOINT_DISABLED"`
	Message     string    `bun:"message" json:"message"`
	CreatedAt   time.Time `bun:"created_at" json:"createdAt"`
}

// NotificationDisabled: the dispatcher disabled an endpoint.
const NotificationDisabled = "ENDPOINT_DISABLED"

// The event types merchants subscribe to, each from a durable event of the bus.
const (
	TypeOrderCreated     = "order.created"
	TypeOrderPaid        = "order.paid"
	TypeOrderReopened    = "order.reopened"
	TypeOrderCancelled   = "order.cancelled"
	TypeOrderExpired     = "order.expired"
	TypeOrderCompleted   = "order.completed"
	TypeOrderRefunded    = "order.refunded"
	TypePaymentSucceeded = "payment.succeeded"
	TypeRefundCreated    = "refund.created"
)

// EventTypes lists every type, in the order GET /webhook-event-types shows them.
var EventTypes = []string{TypeOrderCreated, TypeOrderPaid, TypeOrderReopened, TypeOrderCancelled, TypeOrderExpired,
	TypeOrderCompleted, TypeOrderRefunded, TypePaymentSucceeded, TypeRefundCreated}

// orderType is the webhook type of a sale order step (a hyphen becomes "_": Standard Webhooks
// types are dot-separated identifiers of [a-zA-Z0-9_]).
func orderType(step string) string { return strings.ReplaceAll(step, "-", "_") }

// envelope is the body of every message: the Standard Webhooks payload structure.
type envelope struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// Schedule is the wait before each attempt of a delivery: the first at once, then 5 s, 5 min,
// 30 min, 2 h, 5 h, 10 h and 10 h (the Standard Webhooks example, cut at eight attempts, about
// 27.6 hours in all). A delivery whose last attempt fails is FAILED.
var Schedule = []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// jitter is the most a retry's wait grows at random (a tenth of it), so that deliveries that
// failed together do not come back together.
func jitter(d time.Duration, r *rand.Rand) time.Duration {
	if d <= 0 {
		return 0
	}
	return d + time.Duration(r.Int64N(int64(d)/10+1))
}

// NextWait is the wait after the attempt-th attempt of a round failed, and false when that was
// the last. retryAfter, when the endpoint asked for one (429, 503), stretches it (within the
// schedule's longest wait).
func NextWait(attempt int, retryAfter time.Duration, r *rand.Rand) (time.Duration, bool) {
	if attempt >= len(Schedule) {
		return 0, false
	}
	w := jitter(Schedule[attempt], r)
	if retryAfter > w {
		w = min(retryAfter, Schedule[len(Schedule)-1])
	}
	return w, true
}

// The circuit breaker: after BreakerThreshold failures in a row an endpoint is OPEN, and nothing
// is sent to it for a cooldown that starts at BreakerCooldown and doubles each time it opens
// again without a success, up to BreakerMaxCooldown; then one probe goes (HALF_OPEN): its
// success closes the breaker, its failure opens it again. Deliveries that come due while it is
// open or probing wait, without spending an attempt.
const (
	BreakerThreshold   = 5
	BreakerCooldown    = time.Minute
	BreakerMaxCooldown = 30 * time.Minute
	// probeWait is how long a delivery that finds a probe under way waits before it looks again.
	probeWait = 10 * time.Second
)

// cooldown is the open time after the trips-th trip in a row.
func cooldown(trips int) time.Duration {
	d := BreakerCooldown
	for i := 1; i < trips && d < BreakerMaxCooldown; i++ {
		d *= 2
	}
	return min(d, BreakerMaxCooldown)
}

// outcome is what one attempt came to, as the breaker and the schedule see it.
type outcome struct {
	ok         bool
	status     int // 0 when no response came
	gone       bool
	retryAfter time.Duration
	latency    time.Duration
	body       string
	err        string
}

// maxResponseBody is how much of a response the delivery log keeps.
const maxResponseBody = 1024
