"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { HelpDialog } from "./help-dialog.tsx";
import { composerInput, NEW_SESSION_EVENT, shortcutFor } from "./shortcuts.ts";
import { Sidebar, type ShellUser } from "./sidebar.tsx";
import { whereFrom } from "./where.ts";

const COLLAPSED_KEY = "pantheon.sidebar.collapsed";
const COLLAPSED_EVENT = "pantheon:sidebar";

/**
 * The sidebar's collapsed state lives in localStorage (remembered per browser, and shared by the
 * tabs: a change in one shows in the others). The server renders it expanded.
 */
function subscribeCollapsed(onChange: () => void) {
  window.addEventListener("storage", onChange);
  window.addEventListener(COLLAPSED_EVENT, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(COLLAPSED_EVENT, onChange);
  };
}
/** Where the sidebar becomes a drawer; the same width as the CSS breakpoint in shell.css. */
const PHONE_QUERY = "(max-width: 768px)";

/**
 * The signed-in app: a sidebar (a collapsible column on a laptop, a drawer on a phone) beside the
 * page, and the keyboard shortcuts listed on `?`.
 */
export function AppShell(props: { user: ShellUser; banner?: ReactNode; children: ReactNode }) {
  const pathname = usePathname();
  const params = useSearchParams();
  const router = useRouter();
  const where = whereFrom(pathname, params.get("s"));
  const collapsed = useSyncExternalStore(subscribeCollapsed, () => localStorage.getItem(COLLAPSED_KEY) === "1", () => false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const drawer = useRef<HTMLDialogElement>(null);
  const help = useRef<HTMLDialogElement>(null);
  const menuButton = useRef<HTMLButtonElement>(null);
  const sideSearch = useRef<HTMLInputElement>(null);
  const drawerSearch = useRef<HTMLInputElement>(null);
  // Set when the drawer is opened to search: its input is focused once it is rendered.
  const focusDrawerSearch = useRef(false);

  const toggleCollapsed = useCallback((next?: boolean) => {
    const value = next ?? localStorage.getItem(COLLAPSED_KEY) !== "1";
    localStorage.setItem(COLLAPSED_KEY, value ? "1" : "0");
    window.dispatchEvent(new Event(COLLAPSED_EVENT));
  }, []);

  const openDrawer = useCallback(() => {
    setDrawerOpen(true);
    drawer.current?.showModal();
  }, []);
  const closeDrawer = useCallback(() => drawer.current?.close(), []);

  // A link followed in the drawer closes it (the page changed under it).
  useEffect(() => {
    closeDrawer();
  }, [pathname, params, closeDrawer]);

  useEffect(() => {
    if (drawerOpen && focusDrawerSearch.current) {
      focusDrawerSearch.current = false;
      drawerSearch.current?.focus();
    }
  }, [drawerOpen]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const shortcut = shortcutFor(event);
      if (!shortcut) return;
      const phone = window.matchMedia(PHONE_QUERY).matches;
      switch (shortcut) {
        case "search":
          event.preventDefault();
          if (phone) {
            focusDrawerSearch.current = true;
            if (drawer.current?.open) drawerSearch.current?.focus();
            else openDrawer();
          } else {
            toggleCollapsed(false);
            // After the sidebar is shown again.
            requestAnimationFrame(() => sideSearch.current?.focus());
          }
          return;
        case "newSession":
          event.preventDefault();
          // The conversation page on screen starts the session; elsewhere, a new room.
          if (where.roomId || where.agentId) window.dispatchEvent(new CustomEvent(NEW_SESSION_EVENT));
          else router.push("/rooms/new");
          return;
        case "focusComposer": {
          const input = composerInput();
          if (!input) return;
          event.preventDefault();
          input.focus();
          return;
        }
        case "toggleSidebar":
          event.preventDefault();
          if (phone) {
            if (drawer.current?.open) closeDrawer();
            else openDrawer();
          } else toggleCollapsed();
          return;
        case "help":
          event.preventDefault();
          if (!help.current?.open) help.current?.showModal();
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [where.roomId, where.agentId, router, openDrawer, closeDrawer, toggleCollapsed]);

  const showHelp = () => {
    closeDrawer();
    help.current?.showModal();
  };

  return (
    <div className="app-shell" data-collapsed={collapsed || undefined}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar" aria-label="Sidebar" id="sidebar">
        <div className="sidebar-top">
          <Link href="/" className="brand">
            Pantheon
          </Link>
          <button type="button" className="icon-button ghost" aria-label="Hide sidebar" aria-expanded="true" aria-controls="sidebar" onClick={() => toggleCollapsed(true)} aria-keyshortcuts="Control+Shift+S">
            <span aria-hidden="true">⟨</span>
          </button>
        </div>
        {!collapsed && <Sidebar user={props.user} where={where} searchRef={sideSearch} onNavigate={() => undefined} onHelp={showHelp} idPrefix="sidebar" />}
      </aside>
      <div className="sidebar-rail" aria-label="Sidebar (hidden)" role="group">
        <button type="button" className="icon-button ghost" aria-label="Show sidebar" aria-expanded="false" aria-controls="sidebar" onClick={() => toggleCollapsed(false)} aria-keyshortcuts="Control+Shift+S">
          <span aria-hidden="true">☰</span>
        </button>
        <Link href="/rooms/new" className="icon-button ghost" aria-label="New room">
          <span aria-hidden="true">+</span>
        </Link>
      </div>

      <div className="app-main">
        <header className="topbar">
          <button
            ref={menuButton}
            type="button"
            className="icon-button ghost"
            aria-label="Open menu"
            aria-haspopup="dialog"
            aria-expanded={drawerOpen}
            onClick={openDrawer}
          >
            <span aria-hidden="true">☰</span>
          </button>
          <Link href="/" className="brand">
            Pantheon
          </Link>
          <Link href="/rooms/new" className="icon-button ghost" aria-label="New room">
            <span aria-hidden="true">+</span>
          </Link>
        </header>
        {props.banner}
        <main id="main" tabIndex={-1}>
          {props.children}
        </main>
      </div>

      <dialog
        ref={drawer}
        className="nav-drawer"
        aria-label="Menu"
        onClose={() => {
          setDrawerOpen(false);
          // Back to the button that opened it, unless a link moved focus to a new page.
          if (document.activeElement === document.body || !document.activeElement) menuButton.current?.focus();
        }}
        onClick={(e) => {
          // A click on the backdrop (the dialog box itself, outside its content) closes it.
          if (e.target === e.currentTarget) closeDrawer();
        }}
      >
        <div className="nav-drawer-inner">
          <div className="sidebar-top">
            <Link href="/" className="brand" onClick={closeDrawer}>
              Pantheon
            </Link>
            <button type="button" className="icon-button ghost" aria-label="Close menu" onClick={closeDrawer}>
              <span aria-hidden="true">✕</span>
            </button>
          </div>
          {drawerOpen && <Sidebar user={props.user} where={where} searchRef={drawerSearch} onNavigate={closeDrawer} onHelp={showHelp} idPrefix="drawer" />}
        </div>
      </dialog>
      <HelpDialog ref={help} />
    </div>
  );
}
