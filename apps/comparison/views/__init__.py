"""Pages of the comparison, one module per topic: the setup (outcome and factors), the
judgments (the grid, a cell, adopting another judge's value), the MSSD table and its
exports, the crisp-set QCA page, and the agreement of two judges."""
