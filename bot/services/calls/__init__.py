"""The call's life: Tavus callbacks, the reconciler, live notes, and the card's and DMs' runners."""
