# A macro keyboard: four buttons that the computer sees as a USB keyboard. One copies, one
# pastes, one types a whole sentence, one turns the volume up.
import board
import keypad
import usb_hid
from adafruit_hid.consumer_control import ConsumerControl
from adafruit_hid.consumer_control_code import ConsumerControlCode
from adafruit_hid.keyboard import Keyboard
from adafruit_hid.keyboard_layout_us import KeyboardLayoutUS
from adafruit_hid.keycode import Keycode

keyboard = Keyboard(usb_hid.devices)
layout = KeyboardLayoutUS(keyboard)
media = ConsumerControl(usb_hid.devices)

keys = keypad.Keys((board.D5, board.D6, board.D9, board.D10), value_when_pressed=False, pull=True)
NAMES = ("copy", "paste", "greeting", "volume up")

print("Ready")
while True:
    event = keys.events.get()
    if not event or not event.pressed:
        continue
    if event.key_number == 0:
        keyboard.send(Keycode.CONTROL, Keycode.C)  # press both, then let go of both
    elif event.key_number == 1:
        keyboard.send(Keycode.CONTROL, Keycode.V)
    elif event.key_number == 2:
        layout.write("Hello from my macro keyboard!\n")  # types each letter for you
    else:
        media.send(ConsumerControlCode.VOLUME_INCREMENT)
    print("Sent:", NAMES[event.key_number])
