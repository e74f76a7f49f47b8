import type { Metadata, Viewport } from "next";
import { GeistSans } from "geist/font/sans";
import { GeistMono } from "geist/font/mono";
import Link from "next/link";
import { Suspense } from "react";
import { AppShell } from "@/components/shell/app-shell.tsx";
import { LowBalanceBanner } from "@/components/usage/low-balance-banner.tsx";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { TRPCReactProvider } from "@/trpc/react.tsx";
import "./globals.css";
import "@/components/shell/shell.css";

export const metadata: Metadata = {
  title: { default: "Pantheon", template: "%s · Pantheon" },
  description: "A multi-agent AI chat workspace.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// Every page is rendered per request: the CSP nonce (src/proxy.ts) and the signed-in user change.
export const dynamic = "force-dynamic";

/** Pages seen without signing in (sign-in, check e-mail, status, not found): a plain header, no sidebar. */
function PublicFrame(props: { children: React.ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link href="/" className="brand">
          Pantheon
        </Link>
        <nav className="site-nav" aria-label="Main">
          <Link href="/status">Status</Link>
          <Link href="/signin">Sign in</Link>
        </nav>
      </header>
      <main id="main">{props.children}</main>
    </>
  );
}

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body>
        <TRPCReactProvider>
          {user ? (
            // The shell reads the URL's query (the session on screen): on the server it has none to wait for.
            <Suspense>
              <AppShell user={{ email: user.email ?? "", role: user.role }} banner={<LowBalanceBanner />}>
                {children}
              </AppShell>
            </Suspense>
          ) : (
            <PublicFrame>{children}</PublicFrame>
          )}
        </TRPCReactProvider>
      </body>
    </html>
  );
}
