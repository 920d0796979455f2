package payment_test

import "github.com/banapos/bana/internal/platform/id"

func idOf(n int64) id.ID { return id.ID(n) }
