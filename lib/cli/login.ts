import { login, logout } from "../../mod.ts";
import { registryFromArg } from "../image/login.ts";
import { BerthError } from "../util/errors.ts";
import { readSecret } from "./read_secret.ts";
import { type Command, out } from "./command.ts";

async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of Deno.stdin.readable) chunks.push(c);
  return new TextDecoder().decode(await new Blob(chunks as BlobPart[]).arrayBuffer()).replace(/\r?\n$/, "");
}

export const loginCommand: Command = {
  name: "login",
  summary: "Log in to a registry",
  usage: "[OPTIONS] [SERVER]",
  help: [
    "-u, --username USER   username",
    "-p, --password PASS   password (prefer --password-stdin)",
    "--password-stdin      read the password from stdin",
  ],
  options: {
    username: { type: "string", short: "u" },
    password: { type: "string", short: "p" },
    "password-stdin": { type: "boolean" },
  },
  args: [0, 1],
  async run(g, v, [server]) {
    const registry = registryFromArg(server);
    let username = v.username as string | undefined;
    let password = v.password as string | undefined;
    if (v["password-stdin"]) {
      if (password) throw new BerthError("--password and --password-stdin are mutually exclusive");
      if (!username) throw new BerthError("must provide --username with --password-stdin");
      password = await readStdin();
    }
    if (!username) username = prompt("Username:") ?? "";
    if (!password) {
      if (!Deno.stdin.isTerminal()) throw new BerthError("login: no password given (use --password-stdin)");
      password = readSecret("Password: ");
    }
    await login(registry, { root: g.root, username, password, insecureRegistries: g.insecureRegistries });
    out("Login Succeeded");
    return 0;
  },
};

export const logoutCommand: Command = {
  name: "logout",
  summary: "Log out from a registry",
  usage: "[SERVER]",
  options: {},
  args: [0, 1],
  run(g, _v, [server]) {
    const registry = registryFromArg(server);
    out(logout(g.root, registry) ? `Removing login credentials for ${registry}` : `Not logged in to ${registry}`);
    return Promise.resolve(0);
  },
};
