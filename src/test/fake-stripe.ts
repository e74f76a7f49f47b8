/**
 * A fake Stripe API for tests and the e2e server, on a free local port: only the endpoints
 * Pantheon calls (customers, Checkout sessions, billing portal sessions, invoices), driven through
 * the real `stripe` SDK by pointing STRIPE_API_BASE at it. Every API request is recorded (method,
 * path, form body parsed into objects, idempotency key).
 *
 * A Checkout session's `url` is a page of this server (`GET /checkout/<id>`) with a Pay button:
 * paying sends the events Stripe would — checkout.session.completed, and for a subscription also
 * customer.subscription.created and invoice.paid — signed with the webhook secret to the app's
 * webhook, then redirects to the session's success_url. Tests can also build and sign events
 * themselves (`event`, `signedHeader`, `postEvent`).
 *
 * Imports nothing of the app (no env.ts), so a test can start it before configuring the app.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

export interface FakeStripeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  idempotencyKey: string | null;
  authorization: string | null;
}

export interface FakeStripeOptions {
  /** Where paying on the checkout page sends its events (can be set later: `fake.webhookUrl = …`). */
  webhookUrl?: string;
  webhookSecret: string;
  /** Listen on this port (default: any free one). */
  port?: number;
  host?: string;
}

export interface FakeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  livemode: false;
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
  type: string;
  data: { object: Record<string, unknown> };
}

type Obj = Record<string, unknown>;

export function fakeId(prefix: string): string {
  return `${prefix}_test_${randomBytes(9).toString("hex")}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Parses Stripe's form encoding (`metadata[userId]=…&line_items[0][price]=…`) into objects and arrays. */
export function parseStripeForm(body: string): Obj {
  const root: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.replace(/\]/g, "").split("[");
    let node: Obj | unknown[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const container = node as Record<string, unknown>;
      if (last) {
        container[part] = value;
        return;
      }
      const nextIsIndex = /^\d+$/.test(parts[i + 1]!);
      container[part] ??= nextIsIndex ? [] : {};
      node = container[part] as Obj;
    });
  }
  return root;
}

export function buildEvent(type: string, object: Obj, options: { id?: string; created?: number } = {}): FakeEvent {
  return {
    id: options.id ?? fakeId("evt"),
    object: "event",
    api_version: Stripe.API_VERSION,
    created: options.created ?? nowSeconds(),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

/** A `Stripe-Signature` header for `payload` as Stripe would send it (timestamp: now, or given). */
export function signedHeader(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp !== undefined ? { timestamp } : {}) });
}

/** Posts an event (or any body) to a webhook URL, signed unless told otherwise. */
export async function postEvent(
  url: string,
  event: FakeEvent | string,
  options: { secret: string; timestamp?: number; signature?: string | null; alterBody?: (body: string) => string },
): Promise<Response> {
  const payload = typeof event === "string" ? event : JSON.stringify(event, null, 2);
  const signature = options.signature === undefined ? signedHeader(payload, options.secret, options.timestamp) : options.signature;
  const body = options.alterBody ? options.alterBody(payload) : payload;
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" };
  if (signature !== null) headers["stripe-signature"] = signature;
  return fetch(url, { method: "POST", headers, body });
}

// --- Stripe objects, shaped like API version 2025+ (period on the subscription item, invoice parent) ---

export interface SubscriptionShape {
  id?: string;
  customer: string;
  priceId: string;
  status?: string;
  periodStart?: number;
  periodEnd?: number;
  cancelAtPeriodEnd?: boolean;
  endedAt?: number | null;
  metadata?: Record<string, string>;
}

export function subscriptionObject(s: SubscriptionShape): Obj {
  const start = s.periodStart ?? nowSeconds();
  const end = s.periodEnd ?? start + 30 * 86_400;
  const id = s.id ?? fakeId("sub");
  return {
    id,
    object: "subscription",
    customer: s.customer,
    status: s.status ?? "active",
    cancel_at_period_end: s.cancelAtPeriodEnd ?? false,
    cancel_at: s.cancelAtPeriodEnd ? end : null,
    canceled_at: s.endedAt ?? null,
    ended_at: s.endedAt ?? null,
    start_date: start,
    created: start,
    metadata: s.metadata ?? {},
    items: {
      object: "list",
      data: [{ id: fakeId("si"), object: "subscription_item", price: { id: s.priceId, object: "price" }, quantity: 1, current_period_start: start, current_period_end: end, subscription: id }],
      has_more: false,
    },
  };
}

export interface InvoiceShape {
  id?: string;
  customer: string;
  subscription: string;
  priceId: string;
  periodStart?: number;
  periodEnd?: number;
  amount?: number;
  currency?: string;
  status?: string;
  metadata?: Record<string, string>;
}

export function invoiceObject(i: InvoiceShape): Obj {
  const start = i.periodStart ?? nowSeconds();
  const end = i.periodEnd ?? start + 30 * 86_400;
  const id = i.id ?? fakeId("in");
  const amount = i.amount ?? 1000;
  const paid = (i.status ?? "paid") === "paid";
  return {
    id,
    object: "invoice",
    number: `FAKE-${id.slice(-6).toUpperCase()}`,
    customer: i.customer,
    status: i.status ?? "paid",
    amount_due: amount,
    amount_paid: paid ? amount : 0,
    currency: i.currency ?? "usd",
    created: start,
    hosted_invoice_url: `https://invoice.stripe.test/${id}`,
    metadata: {},
    parent: { type: "subscription_details", quote_details: null, subscription_details: { subscription: i.subscription, metadata: i.metadata ?? {} } },
    lines: {
      object: "list",
      has_more: false,
      data: [
        {
          id: fakeId("il"),
          object: "line_item",
          amount,
          currency: i.currency ?? "usd",
          period: { start, end },
          pricing: { type: "price_details", price_details: { price: i.priceId, product: "prod_fake" }, unit_amount_decimal: String(amount) },
          parent: { type: "subscription_item_details", subscription_item_details: { subscription: i.subscription } },
        },
      ],
    },
  };
}

export interface FakeStripe {
  url: string;
  port: number;
  webhookUrl: string | undefined;
  readonly webhookSecret: string;
  requests: FakeStripeRequest[];
  customers: Map<string, Obj>;
  sessions: Map<string, Obj>;
  invoices: Obj[];
  /** Webhook responses of the events the checkout page sent (status per event type). */
  delivered: { type: string; status: number }[];
  /** The next `n` API requests answer this status with a Stripe error body. */
  failNext(status: number, n?: number): void;
  /** Builds, signs and posts an event to `webhookUrl`. */
  send(type: string, object: Obj, options?: { id?: string; created?: number }): Promise<{ event: FakeEvent; response: Response }>;
  /** What paying on the checkout page does, without a browser. */
  pay(sessionId: string): Promise<string>;
  close(): Promise<void>;
}

function stripeError(res: http.ServerResponse, status: number, message: string, type = "invalid_request_error") {
  res.writeHead(status, { "content-type": "application/json", "request-id": fakeId("req") });
  res.end(JSON.stringify({ error: { type, message, code: status === 402 ? "card_declined" : undefined } }));
}

function json(res: http.ServerResponse, body: unknown, status = 200) {
  res.writeHead(status, { "content-type": "application/json", "request-id": fakeId("req") });
  res.end(JSON.stringify(body));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
  const requests: FakeStripeRequest[] = [];
  const customers = new Map<string, Obj>();
  const byIdempotencyKey = new Map<string, Obj>();
  const sessions = new Map<string, Obj>();
  const invoices: Obj[] = [];
  const delivered: { type: string; status: number }[] = [];
  let failures: { status: number; left: number } | null = null;
  let base = "";

  const fake: FakeStripe = {
    url: "",
    port: 0,
    webhookUrl: options.webhookUrl,
    webhookSecret: options.webhookSecret,
    requests,
    customers,
    sessions,
    invoices,
    delivered,
    failNext(status, n = 1) {
      failures = { status, left: n };
    },
    async send(type, object, eventOptions) {
      if (!fake.webhookUrl) throw new Error("fake Stripe: no webhookUrl to send events to");
      const event = buildEvent(type, object, eventOptions);
      const response = await postEvent(fake.webhookUrl, event, { secret: options.webhookSecret });
      delivered.push({ type, status: response.status });
      return { event, response };
    },
    async pay(sessionId) {
      const session = sessions.get(sessionId);
      if (!session) throw new Error(`fake Stripe: no session ${sessionId}`);
      if (session.status === "complete") return String(session.success_url);
      const customer = String(session.customer ?? "");
      session.status = "complete";
      session.payment_status = "paid";
      const metadata = (session.metadata ?? {}) as Record<string, string>;
      if (session.mode === "subscription") {
        const lineItems = (session.line_items ?? []) as { price?: string }[];
        const priceId = String(lineItems[0]?.price ?? "");
        const subscriptionMetadata = ((session.subscription_data as Obj | undefined)?.metadata ?? metadata) as Record<string, string>;
        const subscription = subscriptionObject({ customer, priceId, metadata: subscriptionMetadata });
        session.subscription = subscription.id;
        const invoice = invoiceObject({ customer, subscription: String(subscription.id), priceId, metadata: subscriptionMetadata });
        invoices.unshift(invoice);
        await fake.send("checkout.session.completed", { ...session });
        await fake.send("customer.subscription.created", subscription);
        await fake.send("invoice.paid", invoice);
      } else {
        session.payment_intent = fakeId("pi");
        await fake.send("checkout.session.completed", { ...session });
      }
      return String(session.success_url);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: string) {
    const record: FakeStripeRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      body: parseStripeForm(raw),
      idempotencyKey: (req.headers["idempotency-key"] as string | undefined) ?? null,
      authorization: (req.headers.authorization as string | undefined) ?? null,
    };
    requests.push(record);
    if (!record.authorization?.startsWith("Bearer sk_")) return stripeError(res, 401, "Invalid API Key provided.", "authentication_error");
    if (failures && failures.left > 0) {
      failures.left--;
      return stripeError(res, failures.status, "The fake Stripe was told to fail this request.", failures.status >= 500 ? "api_error" : "card_error");
    }
    const key = `${record.method} ${record.path}`;
    const body = record.body;
    if (key === "POST /v1/customers") {
      // Stripe returns the first result for a repeated idempotency key.
      const remembered = record.idempotencyKey ? byIdempotencyKey.get(record.idempotencyKey) : undefined;
      if (remembered) return json(res, remembered);
      const customer = { id: fakeId("cus"), object: "customer", email: body.email ?? null, name: body.name ?? null, metadata: body.metadata ?? {}, created: nowSeconds() };
      customers.set(customer.id, customer);
      if (record.idempotencyKey) byIdempotencyKey.set(record.idempotencyKey, customer);
      return json(res, customer);
    }
    if (key === "POST /v1/checkout/sessions") {
      if (!body.success_url || !body.mode) return stripeError(res, 400, "Missing required param: success_url or mode.");
      if (body.customer && !customers.has(String(body.customer))) return stripeError(res, 400, `No such customer: '${String(body.customer)}'`);
      const id = fakeId("cs");
      const lineItems = (body.line_items ?? []) as Obj[];
      const amount = lineItems.reduce((sum, li) => sum + Number((li.price_data as Obj | undefined)?.unit_amount ?? 1000) * Number(li.quantity ?? 1), 0);
      const session: Obj = {
        id,
        object: "checkout.session",
        mode: body.mode,
        status: "open",
        payment_status: "unpaid",
        customer: body.customer ?? null,
        client_reference_id: body.client_reference_id ?? null,
        metadata: body.metadata ?? {},
        subscription_data: body.subscription_data,
        line_items: lineItems,
        amount_total: amount,
        currency: (lineItems[0]?.price_data as Obj | undefined)?.currency ?? "usd",
        success_url: body.success_url,
        cancel_url: body.cancel_url,
        subscription: null,
        payment_intent: null,
        created: nowSeconds(),
        url: `${base}/checkout/${id}`,
      };
      sessions.set(id, session);
      const { line_items: _omit, subscription_data: _omit2, ...publicSession } = session;
      return json(res, publicSession);
    }
    if (key === "POST /v1/billing_portal/sessions") {
      if (!body.customer) return stripeError(res, 400, "Missing required param: customer.");
      const id = fakeId("bps");
      return json(res, { id, object: "billing_portal.session", customer: body.customer, return_url: body.return_url ?? null, url: `${base}/portal/${id}?return=${encodeURIComponent(String(body.return_url ?? ""))}`, created: nowSeconds() });
    }
    if (key === "GET /v1/invoices") {
      const customer = url.searchParams.get("customer");
      const limit = Number(url.searchParams.get("limit") ?? 10);
      const data = invoices.filter((i) => !customer || i.customer === customer).slice(0, limit);
      return json(res, { object: "list", url: "/v1/invoices", has_more: false, data });
    }
    return stripeError(res, 404, `Unrecognized request URL (${key}). The fake Stripe does not implement it.`);
  }

  function checkoutPage(res: http.ServerResponse, id: string) {
    const session = sessions.get(id);
    if (!session) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("No such checkout session");
    }
    const metadata = (session.metadata ?? {}) as Record<string, string>;
    const what = session.mode === "subscription" ? `Subscription (plan ${escapeHtml(metadata.planId ?? "")})` : `${escapeHtml(metadata.credits ?? "")} credits`;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Stripe Checkout</title><meta name="viewport" content="width=device-width"></head>
<body><main><h1>Fake Stripe Checkout</h1><p data-testid="checkout-what">${what}</p>
<p>Total: ${(Number(session.amount_total ?? 0) / 100).toFixed(2)} ${escapeHtml(String(session.currency ?? "usd")).toUpperCase()}</p>
<form method="post" action="/checkout/${escapeHtml(id)}/pay"><button type="submit">Pay</button></form>
<p><a href="${escapeHtml(String(session.cancel_url ?? "/"))}">Cancel</a></p></main></body></html>`);
  }

  function portalPage(res: http.ServerResponse, url: URL) {
    const back = url.searchParams.get("return") ?? "/";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Stripe portal</title></head><body><main><h1>Fake billing portal</h1><p><a href="${escapeHtml(back)}">Return to Pantheon</a></p></main></body></html>`);
  }

  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (raw += c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", base);
      const run = async () => {
        if (url.pathname.startsWith("/v1/")) return api(req, res, url, raw);
        const page = /^\/checkout\/([^/]+)(\/pay)?$/.exec(url.pathname);
        if (page && req.method === "GET" && !page[2]) return checkoutPage(res, page[1]!);
        if (page && req.method === "POST" && page[2]) {
          const target = await fake.pay(page[1]!);
          res.writeHead(303, { location: target });
          return res.end();
        }
        if (url.pathname.startsWith("/portal/")) return portalPage(res, url);
        if (url.pathname === "/favicon.ico") {
          res.writeHead(204, { "cache-control": "max-age=3600" });
          return res.end();
        }
        res.writeHead(404);
        res.end();
      };
      run().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://${options.host ?? "127.0.0.1"}:${port}`;
  fake.url = base;
  fake.port = port;
  return fake;
}
