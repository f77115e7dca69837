// The second SHACL engine of the test suite: shacl-engine (RDF/JS), with its SHACL-SPARQL plugin.
// usage: node validate.mjs SHAPES.nt DATA.nt [DATA.nt ...]
//   -> one JSON object on stdout: { "<DATA.nt>": "<its sh:ValidationReport as N-Triples>", ... }
// The inputs are N-Triples written by the Python side (tests/validation/test_second_engine.py), so both
// engines read the very same triples; one process validates many files, since Node starts slowly.
import { readFileSync } from 'node:fs'
import rdfDataModel from '@rdfjs/data-model'
import rdfDataset from '@rdfjs/dataset'
import toNT from '@rdfjs/to-ntriples'
import { Parser } from 'n3'
import Validator from 'shacl-engine/Validator.js'
import { targetResolvers, validations } from 'shacl-engine/sparql.js'
import * as ns from 'shacl-engine/lib/namespaces.js'
import parsePath from 'shacl-engine/lib/parsePath.js'
import { bindingsToObject, stringifyPath } from 'shacl-engine/lib/sparql.js'
import { QueryEngine } from '@comunica/query-sparql-rdfjs-lite'
import { BindingsFactory } from '@comunica/utils-bindings-factory'
import { Readable } from 'readable-stream'

// shacl-engine's sh:sparql validation, as in its lib/validations/sparql.js, except that one Comunica engine
// serves every query: its own builds a new engine per focus node (0.5 s each), two minutes for the built
// graph. Same prefixes, same $this pre-binding, same results.
const engine = new QueryEngine()

function prefixesOf (ptr, prefixes = []) {
  for (const imports of ptr.out([ns.owl.imports])) prefixesOf(imports, prefixes)
  for (const declare of ptr.out([ns.sh.declare])) {
    prefixes.push(`PREFIX ${declare.out([ns.sh.prefix]).value}: <${declare.out([ns.sh.namespace]).value}>`)
  }
  return prefixes
}

function compileSparql (shape) {
  const query = [...prefixesOf(shape.sparql.out([ns.sh.prefixes])), shape.sparql.out([ns.sh.select]).value]
    .filter(Boolean).join('\n').split('$PATH').join(stringifyPath(shape.path))
  const message = shape.sparql.out([ns.sh.message]).terms
  const source = shape.sparql.terms
  return {
    generic: async context => {
      const dataset = context.focusNode.dataset
      const bindings = new BindingsFactory(context.factory).bindings([[context.factory.variable('this'), context.focusNode.term]])
      const sources = [{ match: (s, p, o, g) => Readable.from(dataset.match(s, p, o, g)) }]
      const rows = await (await engine.queryBindings(query, { sources, initialBindings: bindings })).toArray()
      for (const row of rows) {
        const args = bindingsToObject(row)
        const path = row.has('path') && parsePath(context.focusNode.node([row.get('path')]))
        const value = context.focusNode.node([row.get('value') || context.focusNode.term])
        context.violation(ns.sh.SPARQLConstraintComponent, { args, message, path, source, value })
      }
    }
  }
}
const ourValidations = new Map([...validations].map(([key, fn]) => [key, key.equals(ns.sh.sparql) ? compileSparql : fn]))

// The report is built as a dataset, so the factory needs both halves of RDF/JS.
const factory = {
  namedNode: (v) => rdfDataModel.namedNode(v),
  blankNode: (v) => rdfDataModel.blankNode(v),
  literal: (v, l) => rdfDataModel.literal(v, l),
  variable: (v) => rdfDataModel.variable(v),
  defaultGraph: () => rdfDataModel.defaultGraph(),
  quad: (s, p, o, g) => rdfDataModel.quad(s, p, o, g),
  fromTerm: (t) => rdfDataModel.fromTerm(t),
  fromQuad: (q) => rdfDataModel.fromQuad(q),
  dataset: (quads) => rdfDataset.dataset(quads)
}

function load (path) {
  const dataset = rdfDataset.dataset()
  for (const quad of new Parser({ format: 'N-Triples', factory: rdfDataModel }).parse(readFileSync(path, 'utf8'))) {
    dataset.add(quad)
  }
  return dataset
}

const [shapesPath, ...dataPaths] = process.argv.slice(2)
const validator = new Validator(load(shapesPath), { factory, targetResolvers, validations: ourValidations })
const out = {}
for (const dataPath of dataPaths) {
  const report = await validator.validate({ dataset: load(dataPath) })
  out[dataPath] = toNT(report.dataset)
}
process.stdout.write(JSON.stringify(out) + '\n')
