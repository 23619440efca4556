/**
 * What the pages share: the settings, the SDK side once loaded (see session.tsx), the connected account. Kept apart
 * from session.tsx so that the shell, in the first load, does not pull in the SDK.
 */
import { createContext, useContext } from "react";

import type { AppConfig } from "./config.ts";
import type { Identity, Runtime } from "./session.tsx";

export interface AppState {
  config: AppConfig;
  runtime?: Runtime;
  identity?: Identity;
  disconnect(): void;
}

export const AppContext = createContext<AppState | undefined>(undefined);

/** The app's state, with the SDK loaded (pages render only once it is). */
export function useApp(): AppState & Runtime {
  const state = useContext(AppContext);
  if (!state?.runtime) throw new Error("useApp outside the app, or before the SDK loaded");
  return { ...state, ...state.runtime };
}
