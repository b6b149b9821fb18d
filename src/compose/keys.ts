// The Compose keys netlab reads, and what it says of the common ones it does not.
export const TOP_KEYS = new Set(["services", "networks", "name", "version", "x-netlab"]);
export const SERVICE_KEYS = new Set(["networks", "ports", "expose", "dns", "dns_search", "extra_hosts", "network_mode", "command", "container_name", "labels", "sysctls"]);
export const NETWORK_KEYS = new Set(["driver", "internal", "ipam", "enable_ipv6", "external", "labels", "name"]);

const NO_IMAGES = "netlab runs no images: a service runs its command:, else netlab serve on the ports it exposes or publishes";
export const IGNORED: Record<string, string> = {
  image: NO_IMAGES,
  build: NO_IMAGES,
  entrypoint: NO_IMAGES,
  volumes: "netlab makes networks, not file systems",
  environment: "commands run with netlab's small environment (NETLAB_LAB, NETLAB_NODE)",
  env_file: "commands run with netlab's small environment (NETLAB_LAB, NETLAB_NODE)",
  depends_on: "every node's network is up before any command starts",
  restart: "a command that exits is not restarted",
  healthcheck: "checks go under x-netlab: checks: (netlab test runs them)",
  deploy: "one node per service: replicas are not made",
  links: "legacy links: names resolve through the network's DNS anyway",
  hostname: "the node's name is the service's",
  secrets: "netlab makes networks, not secrets",
  configs: "netlab makes networks, not configs",
};
