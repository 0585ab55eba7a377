"""displayio.Group."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from protoboard.bindings import _validate
from protoboard.displaycore.groupcore import GroupCore
from protoboard.displaycore.layers import is_layer


def _get_index(group: Group, index: Any, length: int) -> int:
    """``mp_get_index`` for a Group: ints only, negative from the end, in range."""
    if not isinstance(index, int):
        raise TypeError(f"Group indices must be integers, not {_validate.type_name(index)}")
    position = int(index)
    if position < 0:
        position += length
    if not 0 <= position < length:
        raise IndexError("Group index out of range")
    return position


class Group(GroupCore):
    """Manage a group of sprites and groups and how they are inter-related."""

    def __init__(self, *, scale: int = 1, x: int = 0, y: int = 0) -> None:
        """Create a Group of a given size and scale. Scale is in one dimension. For example, scale=2
        leads to a layer's pixel being 2x2 pixels when in the group.

        :param int scale: Scale of layer pixels in one dimension.
        :param int x: Initial x position within the parent.
        :param int y: Initial y position within the parent."""
        size = _validate.int_range(scale, 1, 32767, "scale")
        self._init_core(_validate.to_int(x, "x"), _validate.to_int(y, "y"), size)

    def _native(self) -> Group:
        if not hasattr(self, "_members"):
            raise ValueError("Must be a Group subclass.")
        return self

    @property
    def hidden(self) -> bool:
        """True when the Group and all of it's layers are not visible. When False, the Group's
        layers
        are visible if they haven't been hidden."""
        return self._native()._hidden

    @hidden.setter
    def hidden(self, value: bool) -> None:
        self._native()._set_hidden(bool(value))

    @property
    def scale(self) -> int:
        """Scales each pixel within the Group in both directions. For example, when scale=2 each
        pixel
        will be represented by 2x2 pixels."""
        return self._native()._scale

    @scale.setter
    def scale(self, value: int) -> None:
        self._native()._set_scale(_validate.int_at_least(value, 1, "scale"))

    @property
    def x(self) -> int:
        """X position of the Group in the parent."""
        return self._native()._x

    @x.setter
    def x(self, value: int) -> None:
        self._native()._set_x(_validate.to_int(value, "x"))

    @property
    def y(self) -> int:
        """Y position of the Group in the parent."""
        return self._native()._y

    @y.setter
    def y(self, value: int) -> None:
        self._native()._set_y(_validate.to_int(value, "y"))

    def _insert(self, index: int, layer: Any) -> None:
        if not is_layer(layer):
            raise ValueError("Layer must be a Group or TileGrid subclass")
        self._add_layer(layer)
        self._members.insert(index, layer)

    def _pop(self, index: int) -> Any:
        layer = self._members[index]
        self._remove_layer(layer)
        del self._members[index]
        return layer

    def append(self, layer: Any) -> None:
        """Append a layer to the group. It will be drawn above other layers."""
        self._native()._insert(len(self._members), layer)

    def insert(self, index: int, layer: Any) -> None:
        """Insert a layer into the group."""
        group = self._native()
        if isinstance(index, int) and index == len(group._members):
            group._insert(len(group._members), layer)
            return
        group._insert(_get_index(group, index, len(group._members)), layer)

    def index(self, layer: Any) -> int:
        """Returns the index of the first copy of layer. Raises ValueError if not found."""
        group = self._native()
        for position, member in enumerate(group._members):
            if member is layer or member == layer:
                return position
        raise ValueError("object not in sequence")

    def pop(self, i: int = -1) -> Any:
        """Remove the ith item and return it."""
        group = self._native()
        return group._pop(_get_index(group, _validate.to_int(i, "i"), len(group._members)))

    def remove(self, layer: Any) -> None:
        """Remove the first copy of layer. Raises ValueError if it is not present."""
        self._pop(self.index(layer))

    def __bool__(self) -> bool:
        return len(self._native()._members) != 0

    def __contains__(self, item: Any) -> bool:
        return any(member is item or member == item for member in self._native()._members)

    def __iter__(self) -> Iterator[Any]:
        """Returns an iterator over the layers of the group"""
        group = self._native()
        position = 0
        while position < len(group._members):
            yield group._members[position]
            position += 1

    def __len__(self) -> int:
        """Returns the number of layers in a Group"""
        return len(self._native()._members)

    def __getitem__(self, index: int) -> Any:
        """Returns the value at the given index.

        This allows you to::

          print(group[0])"""
        group = self._native()
        if isinstance(index, slice):
            raise NotImplementedError("Slices not supported")
        return group._members[_get_index(group, index, len(group._members))]

    def __setitem__(self, index: int, value: Any) -> None:
        """Sets the value at the given index.

        This allows you to::

          group[0] = sprite"""
        group = self._native()
        if isinstance(index, slice):
            raise NotImplementedError("Slices not supported")
        position = _get_index(group, index, len(group._members))
        if not is_layer(value):
            raise ValueError("Layer must be a Group or TileGrid subclass")
        group._pop(position)
        group._insert(position, value)

    def __delitem__(self, index: int) -> None:
        """Deletes the value at the given index.

        This allows you to::

          del group[0]"""
        group = self._native()
        if isinstance(index, slice):
            raise NotImplementedError("Slices not supported")
        group._pop(_get_index(group, index, len(group._members)))

    def sort(self, key: Callable[[Any], Any], reverse: bool = False) -> None:
        """Sort the members of the group."""
        self._native()._members.sort(key=key, reverse=reverse)
