"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { api } from "@/trpc/react.tsx";
import { creditsText } from "./credits.ts";

/**
 * Shown on every page of a signed-in user whose balance is below the low-balance threshold (a
 * setting). Refreshed when a turn ends (see use-session-turns) and when the window regains focus.
 */
export function LowBalanceBanner() {
  const pathname = usePathname();
  const wallet = api.usage.wallet.useQuery(undefined, { staleTime: 15_000, retry: false });
  if (!wallet.data?.lowBalance) return null;
  const { balance, enforcement } = wallet.data;
  return (
    <div className="banner warn" role="status" data-testid="low-balance">
      <p>
        <strong>Low balance:</strong> {creditsText(balance)} left.{" "}
        {enforcement ? "Turns stop when your credits run out." : ""}{" "}
        <Link href="/usage#buy-credits">Buy credits</Link>
        {pathname !== "/usage" && (
          <>
            {" · "}
            <Link href="/usage">See usage &amp; billing</Link>
          </>
        )}
      </p>
    </div>
  );
}
