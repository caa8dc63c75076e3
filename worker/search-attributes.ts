// The search attributes the workflows set, and their registration on a namespace. Upserting an
// unregistered attribute fails every workflow task, so the stack registers them and the worker
// refuses to start without them, naming the command that registers them.
import proto, { type temporal } from '@temporalio/proto';
import { movePhaseSearchAttribute } from '../contract/definitions.js';

type OperatorService = temporal.api.operatorservice.v1.OperatorService;

// @temporalio/proto is CommonJS: its namespace comes through the default export under ESM.
const { IndexedValueType } = proto.temporal.api.enums.v1;

export const REQUIRED_SEARCH_ATTRIBUTES = [
  { name: movePhaseSearchAttribute.name, type: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, cli: 'Keyword' },
];

async function missing(operator: OperatorService, namespace: string) {
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  return REQUIRED_SEARCH_ATTRIBUTES.filter((a) => !(customAttributes && a.name in customAttributes));
}

/** Registers whatever is missing (the local stack's dev server). */
export async function registerSearchAttributes(operator: OperatorService, namespace: string): Promise<void> {
  const absent = await missing(operator, namespace);
  if (absent.length)
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(absent.map((a) => [a.name, a.type])),
    });
}

/** Throws with the registration command when the namespace lacks an attribute. */
export async function checkSearchAttributes(operator: OperatorService, namespace: string): Promise<void> {
  const absent = await missing(operator, namespace);
  if (absent.length) {
    const commands = absent
      .map((a) => `temporal operator search-attribute create --namespace ${namespace} --name ${a.name} --type ${a.cli}`)
      .join('\n  ');
    throw new Error(
      `namespace "${namespace}" lacks the search attribute(s) ${absent.map((a) => a.name).join(', ')} that move workflows set; register them first:\n  ${commands}`,
    );
  }
}
