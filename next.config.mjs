/** @type {import('next').NextConfig} */
const nextConfig = {
  // The pg driver, Prisma's generated client and pg-boss run on Node only; keep them out of the bundle.
  serverExternalPackages: ["pg", "pg-boss", "@prisma/adapter-pg", "pino"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
