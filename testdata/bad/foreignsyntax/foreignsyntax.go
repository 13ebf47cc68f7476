// A baldurgen.yaml that is not YAML.
package foreignsyntax
