// A client-only SPA: the API serves index.html for every console path.
export const ssr = false;
export const prerender = false;
