import { redirect } from "next/navigation";

// Rendered per request (not a prerendered redirect), so the proxy's sign-in check comes first.
export const dynamic = "force-dynamic";

export default function Home() {
  redirect("/events");
}
