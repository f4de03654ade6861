# Sourced by tether's scripts. tether_version ROOT prints the version in ROOT/pom.xml (the parent's own, the
# first <version> after its artifactId); tether_example_version ROOT the one examples/pom.xml builds against.

tether_version() {
  sed -n '/<artifactId>tether-parent<\/artifactId>/,/<version>/s|.*<version>\(.*\)</version>.*|\1|p' "$1/pom.xml" | head -1
}

tether_example_version() {
  sed -n 's|.*<tether.version>\(.*\)</tether.version>.*|\1|p' "$1/examples/pom.xml" | head -1
}
