package app_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/jobs"
)

func TestJobsAndEventsAdminAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Token(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.Admin}})
		owner := e.Token(&auth.Principal{UserID: 2, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 5, Permissions: []string{"*"}})
		// A published event with no subscriber is logged.
		if _, err := e.App.Events.Publish(context.Background(), events.CommerceInitialized{OrganizerID: 5, MerchantID: 6, MerchantType: "FNB", Currency: "VND"}); err != nil {
			t.Fatal(err)
		}
		var log []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Path: "/events?filter=" + url.QueryEscape(`{"where":{"name":"CommerceInitialized"}}`), Token: admin}).JSON(t, &log)
		if len(log) != 1 || log[0]["payload"].(map[string]any)["merchantId"] != "6" {
			t.Fatalf("event log: %v", log)
		}
		e.Must(403, apptest.Request{Method: "GET", Path: "/events", Token: owner})
		e.Must(403, apptest.Request{Method: "GET", Path: "/jobs", Token: owner})
		e.Must(400, apptest.Request{Method: "GET", Path: "/jobs?queue=nope", Token: admin})
		e.Must(200, apptest.Request{Method: "GET", Path: "/event-deliveries/discarded", Token: admin})

		// A scheduled job shows up, and can be cancelled.
		res, err := e.App.Jobs.Insert(context.Background(), events.Delivery{Name: "X", Subscriber: "nobody"}, riverOpts{}.at(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var list []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Path: "/jobs?state=scheduled&queue=" + jobs.QueueEvents, Token: admin}).JSON(t, &list)
		if len(list) != 1 {
			t.Fatalf("scheduled jobs: %v", list)
		}
		id := list[0]["id"].(string)
		if id != itoa(res.Job.ID) {
			t.Fatalf("id %s != %d", id, res.Job.ID)
		}
		j := e.Must(200, apptest.Request{Method: "POST", Path: "/jobs/" + id + "/cancel", Token: admin}).Map(t)
		if j["state"] != "cancelled" {
			t.Fatalf("cancel: %v", j)
		}
		e.Must(404, apptest.Request{Method: "POST", Path: "/jobs/987654321/retry", Token: admin})
		e.Must(400, apptest.Request{Method: "POST", Path: "/jobs/x/retry", Token: admin})
	})
}
