// What the API server refuses before anything is made, as `kubectl apply` (strict field
// validation, its default since Kubernetes 1.27) reports it: a kind no API group serves at that
// apiVersion (`no matches for kind "Deploymnet" in version "apps/v1"`), and a field the object's
// schema does not have (`strict decoding error: unknown field "spec.replcias"`). The field lists
// are core/v1 and apps/v1's, for the objects netlab builds; below them (labels, resources, …)
// anything goes, as there.
import type { KeyPath, Problem } from "../errors.js";
import { closest } from "../suggest.js";
import { isObj, problemAt, type Manifest } from "./manifests.js";

/** The kinds netlab builds, and the apiVersion that serves each. */
export const BUILT: Record<string, string> = { Namespace: "v1", Pod: "v1", Service: "v1", Deployment: "apps/v1", NetworkPolicy: "networking.k8s.io/v1" };

/** Kubernetes kinds netlab leaves aside (said as a warning), with the apiVersions that serve them. */
const ASIDE: Record<string, string[]> = {
  ConfigMap: ["v1"], Secret: ["v1"], ServiceAccount: ["v1"], PersistentVolumeClaim: ["v1"], PersistentVolume: ["v1"],
  Endpoints: ["v1"], LimitRange: ["v1"], ResourceQuota: ["v1"], ReplicationController: ["v1"],
  StatefulSet: ["apps/v1"], DaemonSet: ["apps/v1"], ReplicaSet: ["apps/v1"], Job: ["batch/v1"], CronJob: ["batch/v1"],
  Ingress: ["networking.k8s.io/v1"], IngressClass: ["networking.k8s.io/v1"],
  EndpointSlice: ["discovery.k8s.io/v1"], HorizontalPodAutoscaler: ["autoscaling/v2", "autoscaling/v1"], PodDisruptionBudget: ["policy/v1"],
  Role: ["rbac.authorization.k8s.io/v1"], RoleBinding: ["rbac.authorization.k8s.io/v1"], ClusterRole: ["rbac.authorization.k8s.io/v1"], ClusterRoleBinding: ["rbac.authorization.k8s.io/v1"],
  StorageClass: ["storage.k8s.io/v1"], PriorityClass: ["scheduling.k8s.io/v1"], CustomResourceDefinition: ["apiextensions.k8s.io/v1"],
  GatewayClass: ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"], Gateway: ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1", "networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"],
  HTTPRoute: ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"], GRPCRoute: ["gateway.networking.k8s.io/v1"], ReferenceGrant: ["gateway.networking.k8s.io/v1beta1"],
  VirtualService: ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"], DestinationRule: ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"],
  PeerAuthentication: ["security.istio.io/v1", "security.istio.io/v1beta1"], AuthorizationPolicy: ["security.istio.io/v1", "security.istio.io/v1beta1"],
};

/** Groups of Kubernetes itself (and Istio's, which netlab knows): a kind they do not serve is an error; another group's is a custom resource, left aside. */
const OURS = (group: string) => !group.includes(".") || group.endsWith(".k8s.io") || group.endsWith(".istio.io");

/** "built", "aside" (a warning), or a problem: the kind at that apiVersion is served by nobody. */
export function kindStatus(m: Manifest, kind: string, apiVersion: string): "built" | "aside" | Problem {
  if (BUILT[kind] === apiVersion) return "built";
  if (ASIDE[kind]?.includes(apiVersion)) return "aside";
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const known = BUILT[kind] ?? ASIDE[kind]?.[0];
  if (!known && !OURS(group)) return "aside"; // a custom resource (cert-manager.io/v1 Certificate, …)
  const like = known ? null : closest(kind, [...Object.keys(BUILT), ...Object.keys(ASIDE)]);
  const hint = known ? `${kind} is served at apiVersion: ${known}` : like ? `did you mean kind: ${like}?` : "the kinds netlab builds: Namespace, Pod, Service (v1), Deployment (apps/v1)";
  return problemAt(m, known ? ["apiVersion"] : ["kind"], `no matches for kind "${kind}" in version "${apiVersion}"`, hint);
}

const META = ["name", "namespace", "labels", "annotations", "generateName", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "managedFields", "selfLink"];
const CONTAINER = ["name", "image", "command", "args", "workingDir", "ports", "env", "envFrom", "resources", "resizePolicy", "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty"];
const CONTAINER_PORT = ["containerPort", "hostPort", "hostIP", "name", "protocol"];
const POD_SPEC = ["volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy", "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates", "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead", "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates", "resourceClaims", "resources"];
const SELECTOR = ["matchLabels", "matchExpressions"];
const POD = (at: string): Record<string, string[]> => ({
  [at]: POD_SPEC,
  [`${at}.containers[]`]: CONTAINER,
  [`${at}.initContainers[]`]: CONTAINER,
  [`${at}.containers[].ports[]`]: CONTAINER_PORT,
  [`${at}.initContainers[].ports[]`]: CONTAINER_PORT,
  [`${at}.dnsConfig`]: ["nameservers", "searches", "options"],
  [`${at}.dnsConfig.options[]`]: ["name", "value"],
  [`${at}.hostAliases[]`]: ["ip", "hostnames"],
});
const TOP = ["apiVersion", "kind", "metadata", "spec", "status"];

/** Each built kind's objects: the fields allowed at each path (`[]`: every item of a list). */
const SCHEMA: Record<string, Record<string, string[]>> = {
  Namespace: { "": TOP, metadata: META, spec: ["finalizers"] },
  Pod: { "": TOP, metadata: META, ...POD("spec") },
  Deployment: {
    "": TOP, metadata: META,
    spec: ["replicas", "selector", "template", "strategy", "minReadySeconds", "revisionHistoryLimit", "paused", "progressDeadlineSeconds"],
    "spec.selector": SELECTOR, "spec.template": ["metadata", "spec"], "spec.template.metadata": META, ...POD("spec.template.spec"),
  },
  NetworkPolicy: {
    "": TOP, metadata: META,
    spec: ["podSelector", "policyTypes", "ingress", "egress"],
    "spec.podSelector": SELECTOR, "spec.podSelector.matchExpressions[]": ["key", "operator", "values"],
    ...Object.fromEntries(([["ingress", "from"], ["egress", "to"]] as const).flatMap(([dir, peer]) => [
      [`spec.${dir}[]`, [peer, "ports"]],
      [`spec.${dir}[].${peer}[]`, ["podSelector", "namespaceSelector", "ipBlock"]],
      [`spec.${dir}[].${peer}[].podSelector`, SELECTOR], [`spec.${dir}[].${peer}[].namespaceSelector`, SELECTOR],
      [`spec.${dir}[].${peer}[].podSelector.matchExpressions[]`, ["key", "operator", "values"]], [`spec.${dir}[].${peer}[].namespaceSelector.matchExpressions[]`, ["key", "operator", "values"]],
      [`spec.${dir}[].${peer}[].ipBlock`, ["cidr", "except"]],
      [`spec.${dir}[].ports[]`, ["protocol", "port", "endPort"]],
    ])),
  },
  Service: {
    "": TOP, metadata: META,
    spec: ["ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP", "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy", "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies", "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy", "trafficDistribution"],
    "spec.ports[]": ["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"],
    "spec.sessionAffinityConfig": ["clientIP"], "spec.sessionAffinityConfig.clientIP": ["timeoutSeconds"],
  },
};


/** Every field of a built kind's object its schema does not have, located, with the closest one it has. */
export function unknownFields(m: Manifest, kind: string): Problem[] {
  const schema = SCHEMA[kind];
  const out: Problem[] = [];
  const walk = (v: unknown, at: string, key: KeyPath) => {
    const allowed = schema[at];
    if (!allowed || !isObj(v)) return;
    for (const [k, x] of Object.entries(v)) {
      const path = at ? `${at}.${k}` : k;
      if (!allowed.includes(k)) {
        const like = closest(k, allowed);
        out.push(problemAt(m, [...key, k], `unknown field "${path.replaceAll("[]", "")}" (kubectl apply refuses it: strict decoding error)`, like ? `did you mean ${like}?` : `${kind} has no such field here; known: ${allowed.slice(0, 8).join(", ")}…`));
      } else if (Array.isArray(x)) x.forEach((item, i) => walk(item, `${path}[]`, [...key, k, i]));
      else walk(x, path, [...key, k]);
    }
  };
  walk(m.data, "", []);
  return out;
}
