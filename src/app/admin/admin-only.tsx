import Link from "next/link";

/** Owners act and analysts read (PRODUCT.md 9); everyone else sees this instead of the console. */
export function isStaff(role: string): boolean {
  return role === "owner" || role === "analyst";
}

export function AdminOnly() {
  return (
    <div className="stack">
      <div>
        <h1>Admin</h1>
        <p className="lede">This page is for administrators.</p>
      </div>
      <p>
        Your account cannot open the admin console. Ask an owner of this Pantheon if you need access, or go back to <Link href="/">your rooms</Link>.
      </p>
    </div>
  );
}
