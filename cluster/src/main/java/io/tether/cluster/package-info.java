/**
 * The etcd config source and the cluster of nodes on etcd that {@code tether serve} uses. Not yet a supported API:
 * these classes may change in any release. Their contract with the server is the supported
 * {@link io.tether.engine.server.Cluster}.
 */
package io.tether.cluster;
