package memo

import (
	"context"
	"testing"
)

type key struct{ n int }

func TestMemo(t *testing.T) {
	bare := context.Background()
	Put(bare, key{1}, "x")
	if _, ok := Get[string](bare, key{1}); ok {
		t.Fatal("a context without a memo remembered")
	}
	ctx := With(bare)
	if With(ctx) != ctx {
		t.Fatal("With made a second memo")
	}
	Put(ctx, key{1}, "x")
	if v, ok := Get[string](ctx, key{1}); !ok || v != "x" {
		t.Fatalf("Get = %q %v", v, ok)
	}
	if _, ok := Get[int](ctx, key{1}); ok {
		t.Fatal("a value of another type was returned")
	}
	if _, ok := Get[string](ctx, key{2}); ok {
		t.Fatal("another key hit")
	}
	Forget(ctx, key{1})
	if _, ok := Get[string](ctx, key{1}); ok {
		t.Fatal("Forget kept the value")
	}
}
