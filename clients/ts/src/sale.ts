// The demo sale as a TypeScript till would write it, with openapi-fetch over the types that
// openapi-typescript generates from BANA's served document (src/bana.d.ts, not committed).
// clients/check.sh compiles it with tsc: the request bodies below are what the server accepts
// (a create without the fields the server fills, enumerations as their values), and the answers
// are read through the documented types.
import createClient from "openapi-fetch";
import type { components, paths } from "./bana";

type Schemas = components["schemas"];

export interface Demo {
  merchantId: string;
  ownerEmail: string;
  ownerPassword: string;
  cashier: { employeeId: string; pin: string };
  banhMi: string;
  coffee: string;
  large: string;
  littleSugar: string;
}

function fail(what: string, error: unknown): never {
  throw new Error(`${what}: ${JSON.stringify(error)}`);
}

export async function sell(baseUrl: string, demo: Demo): Promise<number> {
  const anon = createClient<paths>({ baseUrl });
  const signIn = await anon.POST("/auth/sign-in", {
    body: { identifier: demo.ownerEmail, password: demo.ownerPassword },
  });
  if (!signIn.data) fail("sign in", signIn.error);
  const owner = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${signIn.data.token}` } });

  const pin = await owner.POST("/auth/pin-sign-in", {
    body: { merchantId: demo.merchantId, employeeId: demo.cashier.employeeId, pin: demo.cashier.pin },
  });
  if (!pin.data) fail("PIN sign-in", pin.error);
  const cashier = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${pin.data.token}` } });

  const shift = await cashier.POST("/shifts/open", {
    body: { merchantId: demo.merchantId, register: "TS", openingFloat: 500000 },
  });
  if (!shift.data) fail("open shift", shift.error);

  const order: Schemas["CreateOrder"] = {
    merchantId: demo.merchantId,
    register: "TS",
    type: "TAKE_AWAY",
    lines: [
      { variantId: demo.banhMi, quantity: 3 },
      { variantId: demo.coffee, quantity: 1, modifierIds: [demo.large, demo.littleSugar] },
    ],
  };
  const created = await cashier.POST("/sale-orders", { params: { header: { "Idempotency-Key": "ts-1" } }, body: order });
  if (!created.data) fail("create order", created.error);
  const total: number = created.data.total;

  const cash: Schemas["Tender"] = { method: "CASH", amount: total, tendered: 200000 };
  const paid = await cashier.POST("/sale-orders/{id}/checkout", {
    params: { path: { id: created.data.id }, header: { "Idempotency-Key": "ts-1-pay" } },
    body: { tenders: [cash] },
  });
  if (!paid.data) fail("checkout", paid.error);
  const status: Schemas["OrderView"]["status"] = paid.data.status;
  const quoted: number | undefined = paid.data.pricing?.grandTotal;
  if (status !== "PAID" || quoted !== total) fail("checkout", paid.data);

  const closed = await cashier.POST("/shifts/{id}/close", {
    params: { path: { id: shift.data.id } },
    body: { countedCash: 500000 + total },
  });
  if (!closed.data) fail("close shift", closed.error);
  return closed.data.zReport.number;
}

// A new category needs only what the server needs: the fields it fills (id, timestamps) are not
// part of the create body's type.
export async function addCategory(baseUrl: string, token: string, merchantId: string): Promise<string> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const body: Schemas["CategoryCreate"] = { merchantId, name: "Trà" };
  const res = await client.POST("/categories", { body });
  if (!res.data) fail("create category", res.error);
  const patch: Schemas["CategoryPatch"] = { status: "INACTIVE" };
  const changed = await client.PATCH("/categories/{id}", { params: { path: { id: res.data.id } }, body: patch });
  if (!changed.data) fail("change category", changed.error);
  return changed.data.id;
}
