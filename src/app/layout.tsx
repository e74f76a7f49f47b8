import type { Metadata, Viewport } from "next";
import { GeistSans } from "geist/font/sans";
import { GeistMono } from "geist/font/mono";
import Link from "next/link";
import { LowBalanceBanner } from "@/components/usage/low-balance-banner.tsx";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { TRPCReactProvider } from "@/trpc/react.tsx";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Pantheon", template: "%s · Pantheon" },
  description: "A multi-agent AI chat workspace.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// Every page is rendered per request: the CSP nonce (src/proxy.ts) and the signed-in user change.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/" className="brand">
            Pantheon
          </Link>
          <nav className="site-nav" aria-label="Main">
            {user && <Link href="/">Rooms</Link>}
            {user && <Link href="/agents">Agents</Link>}
            {user && <Link href="/usage">Usage</Link>}
            {user && (user.role === "owner" || user.role === "analyst") && <Link href="/admin">Admin</Link>}
            <Link href="/status">Status</Link>
            {user ? <Link href="/account">Account</Link> : <Link href="/signin">Sign in</Link>}
          </nav>
        </header>
        <TRPCReactProvider>
          {user && <LowBalanceBanner />}
          <main id="main">{children}</main>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
