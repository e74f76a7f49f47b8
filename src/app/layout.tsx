import type { Metadata, Viewport } from "next";
import { GeistSans } from "geist/font/sans";
import { GeistMono } from "geist/font/mono";
import Link from "next/link";
import { TRPCReactProvider } from "@/trpc/react.tsx";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Pantheon", template: "%s · Pantheon" },
  description: "A multi-agent AI chat workspace.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: React.ReactNode }) {
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
            <Link href="/status">Status</Link>
          </nav>
        </header>
        <TRPCReactProvider>
          <main id="main">{children}</main>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
