import type { Metadata } from "next";
import { StatusView } from "./status-view.tsx";

export const metadata: Metadata = { title: "Status" };

export default function StatusPage() {
  return (
    <>
      <h1>Status</h1>
      <p className="lede">Live health of each part of Pantheon. Refreshes every few seconds.</p>
      <StatusView />
    </>
  );
}
