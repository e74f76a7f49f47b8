/** Shared by the server-rendered overview and the client-side navigation (a client module cannot export data to a server one). */
/** The console's sections (PRODUCT.md 9), in the order an operator reaches for them. */
export const adminSections = [
  { href: "/admin/analytics", label: "Analytics", blurb: "Active users, tokens, calls and credits by user, model and provider; cost against billing; errors and latency." },
  { href: "/admin/users", label: "Users", blurb: "Find a user; their role, status, wallet, usage and caps; suspend, grant or debit credits." },
  { href: "/admin/models", label: "Models & providers", blurb: "Providers and their keys, the models agents can use, prices, fallbacks, and the manager and summary models." },
  { href: "/admin/plans", label: "Plans", blurb: "Plans: monthly credits, price, Stripe price, allowed models and rate limits; the default plan." },
  { href: "/admin/settings", label: "Settings", blurb: "Rate limits, orchestrator caps, summaries, credits, tools and retention, for every process at once." },
  { href: "/admin/jobs", label: "Jobs", blurb: "The worker's queues: waiting, running, failed and retried jobs, their last errors, and what each purge removed." },
  { href: "/admin/audit", label: "Audit log", blurb: "Every change made in the console or by the operator CLI: who, what, before and after." },
] as const;
