/** @type {import('next').NextConfig} */
const nextConfig = {
  // The pg driver, Prisma's generated client and pg-boss run on Node only; keep them out of the bundle.
  serverExternalPackages: ["pg", "pg-boss", "@prisma/adapter-pg", "pino", "nodemailer"],
  poweredByHeader: false,
  async headers() {
    const headers = [
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
      { key: "X-Frame-Options", value: "DENY" },
      { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
    ];
    if (process.env.NODE_ENV === "production") {
      headers.push({ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" });
    }
    // Pages get their full Content-Security-Policy (with a nonce) from src/proxy.ts.
    return [{ source: "/:path*", headers }];
  },
};

export default nextConfig;
