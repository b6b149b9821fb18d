// The lab `netlab init` writes when it is not copying one: small, commented, and ready to `up`.
// `file`: what `up` takes for it from where it was written (its name when it is ./NAME.yaml).
export const STARTER = (name: string, file = name) => `name: ${name}
description: Two containers on a bridge, as docker run does it — edit me.

# A network is a Linux bridge in the host (like docker0). Its gateway is the bridge's own
# address; nat: true masquerades what leaves the host, as Docker does.
networks:
  br0:
    subnet: 172.30.0.0/24   # the bridge is .1; nodes get .2, .3, … in order
    nat: true

# Every node is a network namespace with its own interfaces, routes and firewall.
nodes:
  web:
    networks: [br0]                   # eth0 on br0, default route via the bridge
    run: netlab serve http --port 80  # a tiny web server that says who asked
    publish: ["8080:80"]              # the host's port 8080 goes to web:80 (docker run -p)
  client:
    networks: [br0]

# What \`netlab test ${name}\` proves, from inside the namespaces.
checks:
  - { from: client, ping: web }                          # names resolve (a real DNS server)
  - { from: client, http: "http://web/", contains: "hello from web" }
  - { from: host, http: "http://127.0.0.1:8080/" }      # the published port
  - { from: client, tcp: "web:22", expect: fail }        # nothing listens there

# Next: sudo netlab up ${file} --dry-run   (every command, nothing done)
#       sudo netlab up ${file} && sudo netlab test ${name} && sudo netlab down ${name}
# The format: docs/lab-format.md; more examples: netlab labs.
`;
