// Highlighted lines after "Format": what fmt changed, shown until the text is edited again.

import { StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView } from "@codemirror/view";

const formattedLine = Decoration.line({ class: "cm-formatted-line" });

// Effect carrying the document offsets of the lines fmt changed (line starts, in order).
export const markFormatted = StateEffect.define();

export const formatMarks = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    for (const effect of transaction.effects) {
      if (effect.is(markFormatted)) {
        return Decoration.set(effect.value.map((from) => formattedLine.range(from)));
      }
    }
    return transaction.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});
