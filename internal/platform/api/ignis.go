package api

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/banapos/bana/internal/platform/errs"
)

// Shape is how the CRUD routes answer. BANA's own shape is the default; the IGNIS shape is the
// one the design document's services answer (IGNIS's ControllerFactory.defineCrudController),
// so that a client written against them works unchanged. docs/api.md "Response shapes" and
// docs/decisions/0008-ignis-response-shape.md say what differs and why BANA's is the default.
type Shape string

const (
	// ShapeBANA: find answers the bare array, a row route the bare row, create 201, a missing
	// row 404, updateBy/deleteBy/deleteById {count}.
	ShapeBANA Shape = "bana"
	// ShapeIGNIS: every route answers {count, data} (or data alone when the request says
	// x-request-count: false), with 200 for create and for a missing row ({count: 0, data: null}),
	// updateBy and deleteBy answer the rows they changed, find sets Content-Range.
	ShapeIGNIS Shape = "ignis"
)

// RequestCountHeader is IGNIS's request header: "false" asks for data without the envelope.
const RequestCountHeader = "x-request-count"

// ShapeParam is IGNIS's request header, accepted by every CRUD route. With the server in BANA
// shape, "true" asks for the IGNIS shape for this request (an IGNIS client that sends it works
// against a default server); with the server in IGNIS shape, "false" drops the envelope as IGNIS
// does.
type ShapeParam struct {
	RequestCount string `header:"x-request-count" enum:"true,false" doc:"IGNIS clients: true answers in IGNIS's {count, data} shape; false (with the server in IGNIS shape) answers data alone. Absent: the server's shape (APP_ENV_SERVER_RESPONSE_SHAPE)."`
}

// shaping is what one request asked for.
type shaping struct {
	ignis    bool // IGNIS's statuses, headers and answers (rows of updateBy/deleteBy)
	envelope bool // wrap in {count, data}
}

func (s *Server) shaping(p ShapeParam) shaping {
	switch p.RequestCount {
	case "true":
		return shaping{ignis: true, envelope: true}
	case "false":
		return shaping{ignis: s.opts.ResponseShape == ShapeIGNIS}
	}
	if s.opts.ResponseShape == ShapeIGNIS {
		return shaping{ignis: true, envelope: true}
	}
	return shaping{}
}

// envelope is IGNIS's answer: how many rows, and the row (or null) or the rows.
type envelope struct {
	Count int64 `json:"count"`
	Data  any   `json:"data"`
}

// shaped is the answer of a CRUD route: BANA's bare body, or IGNIS's shape with its headers.
// Empty headers are not sent.
type shaped struct {
	Status         int
	ContentRange   string `header:"Content-Range" doc:"IGNIS shape, find: records <first>-<last>/<total>, or records */<total> when the page is empty"`
	ResponseCount  string `header:"x-response-count" doc:"IGNIS shape: how many rows the answer holds"`
	ResponseFormat string `header:"x-response-format" doc:"IGNIS shape: object or array"`
	Body           any
}

// object answers one row (nil: none) in the shape asked for. status is BANA's status.
func (sh shaping) object(row any, status int) *shaped {
	if !sh.ignis {
		return &shaped{Status: status, Body: row}
	}
	var n int64
	if row != nil {
		n = 1
	}
	return sh.wrap(n, row, "object")
}

// array answers rows in the shape asked for.
func (sh shaping) array(rows any, n int) *shaped {
	if !sh.ignis {
		return &shaped{Status: 200, Body: rows}
	}
	return sh.wrap(int64(n), rows, "array")
}

func (sh shaping) wrap(n int64, data any, format string) *shaped {
	out := &shaped{Status: 200, ResponseCount: strconv.FormatInt(n, 10), ResponseFormat: format, Body: data}
	if sh.envelope {
		out.Body = envelope{Count: n, Data: data}
	}
	return out
}

// missing turns a not-found into IGNIS's answer for a missing row ({count: 0, data: null}, 200);
// any other error, or BANA's shape, passes through.
func (sh shaping) missing(err error) (*shaped, error) {
	if sh.ignis && errors.Is(err, errs.ErrNotFound) {
		return sh.object(nil, 200), nil
	}
	return nil, err
}

// contentRange is IGNIS's Content-Range of a page: first and last index (inclusive) and the total.
func contentRange(skip, n int, total int64) string {
	if n == 0 {
		return fmt.Sprintf("records */%d", total)
	}
	return fmt.Sprintf("records %d-%d/%d", skip, skip+n-1, total)
}
