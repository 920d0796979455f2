package jobs

import "github.com/banapos/bana/internal/platform/errs"

var errNotFound = errs.New(errs.NotFound, "job not found")
