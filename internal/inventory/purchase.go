package inventory

import (
	"fmt"

	"github.com/banapos/bana/internal/platform/errs"
)

// POStatus is the state of a purchase order.
type POStatus string

// The document's workflow, DRAFT -> PROCESSING -> CONFIRMED -> COMPLETED, and CANCELLED.
const (
	PODraft      POStatus = "DRAFT"      // being written; lines may change
	POProcessing POStatus = "PROCESSING" // sent to the vendor, awaiting confirmation
	POConfirmed  POStatus = "CONFIRMED"  // the vendor confirmed; goods may be received
	POCompleted  POStatus = "COMPLETED"  // everything received, or closed short on purpose
	POCancelled  POStatus = "CANCELLED"  // abandoned before anything was received
)

// POAction is something done to a purchase order.
type POAction string

// Actions, each an operation of the API (POST /purchase-orders/{id}/<action>).
const (
	POSubmit   POAction = "submit"   // DRAFT -> PROCESSING
	POConfirm  POAction = "confirm"  // PROCESSING -> CONFIRMED
	POReceive  POAction = "receive"  // CONFIRMED -> CONFIRMED, or COMPLETED once every line is in
	POComplete POAction = "complete" // CONFIRMED -> COMPLETED, closing what is still missing
	POCancel   POAction = "cancel"   // DRAFT, PROCESSING, or CONFIRMED with nothing received -> CANCELLED
)

// Next returns the status after action. received tells whether any goods have been received
// and complete whether, after a receipt, every line is fully received. An action that does not
// apply to the status is ErrPurchaseOrderTransition (409).
func (s POStatus) Next(a POAction, received, complete bool) (POStatus, error) {
	bad := func(why string) (POStatus, error) {
		return s, refuse(ErrPurchaseOrderTransition, "", fmt.Sprintf("cannot %s a %s purchase order%s", a, s, why), nil)
	}
	switch a {
	case POSubmit:
		if s == PODraft {
			return POProcessing, nil
		}
	case POConfirm:
		if s == POProcessing {
			return POConfirmed, nil
		}
	case POReceive:
		if s == POConfirmed {
			if complete {
				return POCompleted, nil
			}
			return POConfirmed, nil
		}
	case POComplete:
		if s == POConfirmed {
			return POCompleted, nil
		}
	case POCancel:
		switch s {
		case PODraft, POProcessing:
			return POCancelled, nil
		case POConfirmed:
			if received {
				return bad(": goods were received; complete it instead")
			}
			return POCancelled, nil
		}
	default:
		return s, errs.New(errs.Invalid, "unknown purchase order action "+string(a))
	}
	return bad("")
}

// Editable reports whether the order's lines and terms may still change.
func (s POStatus) Editable() bool { return s == PODraft || s == POProcessing }
