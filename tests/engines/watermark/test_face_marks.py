"""Face marks (LIDMark / DAWF): per-face owner and landmarks survive JPEG, edits are found and placed, two faces
keep two owners, a wrong key names nobody; the face count the ownership mark records makes a missing face mark
evidence; the payload codec and bad input."""

from __future__ import annotations

import dataclasses
import datetime

import cv2
import numpy as np
import pytest

from engines.faces import still_detector
from engines.facetrain.swap import face_swap
from engines.watermark import attacks, detect, make_payload, owners
from engines.watermark import face_frame as frame
from engines.watermark import payload as ownership_payload
from engines.watermark.attacks import pull
from engines.watermark.face_codec import LEVELS
from engines.watermark.face_marks import embed_faces, fitting_amplitude, landmarks_of, markable, read_face
from engines.watermark.face_payload import CODED_BITS, MEAN, STEP, coded_bits, decode_soft, parse
from engines.watermark.face_picture import mark_picture, verify_picture
from engines.watermark.face_report import judge_faces, verify_faces
from engines.watermark.geometry import luma
from engines.watermark.keyed import mac_bits
from engines.watermark.metrics import psnr
from engines.watermark.payload import owner_id
from tests.engines.watermark._faces import one_face, two_faces

KEY = "face key"
ALICE, BOB = owner_id("Alice"), owner_id("Bob")
WHEN = datetime.datetime(2026, 5, 1, 12, 0, tzinfo=datetime.UTC)  # fixed: the payload shapes every mark


@pytest.fixture(scope="module")
def detector():
    return still_detector()


@pytest.fixture(scope="module")
def marked_pair(detector):
    """The two-face canvas, left face marked for Alice and right face for Bob; and its faces."""
    canvas = two_faces()
    faces = detector.detect(canvas)
    assert len(faces) == 2
    return embed_faces(canvas, [(faces[0], ALICE), (faces[1], BOB)], KEY), faces


def test_payload_round_trip_and_mac():
    gen = np.random.default_rng(1)
    points = MEAN + gen.uniform(-6, 6, MEAN.shape)
    bits = coded_bits(ALICE, points, KEY)
    assert bits.shape == (CODED_BITS,)
    payload, _ = decode_soft(2.0 * bits - 1.0, KEY)
    assert payload is not None and payload.owner_id == ALICE
    assert np.abs(payload.landmarks - points).max() <= STEP / 2 + 1e-9 and not payload.clipped.any()
    assert decode_soft(2.0 * bits - 1.0, "other key")[0] is None  # the MAC is keyed
    far = points.copy()
    far[0] += 100.0  # out of the stored range: clipped and flagged, never wrapped around
    clipped, _ = decode_soft(2.0 * coded_bits(ALICE, far, KEY) - 1.0, KEY)
    assert clipped is not None and clipped.clipped[0] and not clipped.clipped[1:].any()
    with pytest.raises(ValueError):
        coded_bits(ALICE, points[:-1], KEY)
    with pytest.raises(ValueError):
        coded_bits(2**32, points, KEY)
    with pytest.raises(ValueError):
        decode_soft(np.zeros(CODED_BITS - 1), KEY)
    assert parse(np.zeros(CODED_BITS, np.uint8), KEY) is None


def test_owner_and_landmarks_survive_jpeg_80(detector):
    photo = one_face()
    face = detector.detect(photo)[0]
    marked = embed_faces(photo, [(face, ALICE)], KEY)
    assert psnr(photo, marked) >= 45  # one face of a 512-px photo: the face mark alone
    suspect = attacks.jpeg(80)(marked)
    again = detector.detect(suspect)[0]
    read = read_face(luma(suspect), again.landmarks5, KEY)
    assert read.found and read.payload.owner_id == ALICE
    # decoded landmarks, mapped back through the found frame, land on the ones detected before marking
    stored = frame.to_picture(read.matrix, read.payload.landmarks)
    error = np.hypot(*(stored - landmarks_of(face)).T) / frame.eye_distance(face.landmarks5)
    assert np.median(error) < 0.06 and error.max() < 0.12
    (verdict,) = verify_faces(suspect, KEY)
    assert verdict.marked and verdict.altered is False and verdict.where == () and verdict.changed_blocks == 0


def test_two_faces_two_owners_and_only_the_edited_one_is_altered(marked_pair):
    marked, faces = marked_pair
    owners.remember("Alice")
    owners.remember("Bob")
    left, right = verify_faces(attacks.jpeg(85)(marked), KEY)
    assert (left.owner, right.owner) == ("Alice", "Bob")
    assert left.altered is False and right.altered is False
    # lower the right face's mouth by a fifth of the eye distance after marking, then re-compress
    mouth = faces[1].landmarks_dense[14]
    eye = frame.eye_distance(faces[1].landmarks5)
    edited = attacks.jpeg(90)(pull(marked, mouth, (0.0, 0.2 * eye), 0.25 * eye))
    left, right = verify_faces(edited, KEY, thorough=True)
    assert left.owner == "Alice" and left.altered is False
    assert right.owner == "Bob" and right.altered is True and "mouth" in right.where
    assert not {"left eye", "right eye", "left brow", "right brow"} & set(right.where)


def test_which_face_was_swapped_in_a_group(marked_pair, detector):
    marked, _ = marked_pair
    donor = np.ascontiguousarray(one_face()[:, ::-1, ::-1])
    target = detector.detect(marked)[0]
    swapped, _ = face_swap(marked, target.landmarks_dense, donor, detector.detect(donor)[0].landmarks_dense)
    left, right = verify_faces(attacks.jpeg(90)(swapped), KEY)
    assert _whole_inner_face_replaced(left, ALICE)
    assert right.marked and right.owner_id == f"{BOB:08x}" and right.altered is False


def test_swapped_face_is_altered_and_the_untouched_copy_is_not(detector):
    photo = one_face()
    face = detector.detect(photo)[0]
    marked = embed_faces(photo, [(face, ALICE)], KEY)
    donor = np.ascontiguousarray(photo[:, ::-1, ::-1])  # another "identity": mirrored, red and blue swapped
    donor_face = detector.detect(donor)[0]
    swapped, _ = face_swap(marked, detector.detect(marked)[0].landmarks_dense, donor, donor_face.landmarks_dense)
    (verdict,) = verify_faces(attacks.jpeg(90)(swapped), KEY, thorough=True)
    # the mark still stands around the face (hair, forehead, cheeks) but not inside
    assert _whole_inner_face_replaced(verdict, ALICE) and verdict.sync >= 8
    (clean,) = verify_faces(attacks.jpeg(90)(marked), KEY, thorough=True)
    assert clean.altered is False


def _whole_inner_face_replaced(verdict, owner: int) -> bool:
    """Altered, and either the mark is gone from the face or what is left of it names the owner and places the
    change over eyes, nose and mouth."""
    if verdict.altered is not True:
        return False
    if not verdict.marked:
        return verdict.where == ("whole face",)
    return verdict.owner_id == f"{owner:08x}" and {"left eye", "right eye", "nose", "mouth"} <= set(verdict.where)


def test_wrong_key_and_unmarked_name_nobody(marked_pair):
    marked, _ = marked_pair
    for verdict in verify_faces(marked, "not the key"):
        assert not verdict.marked and verdict.owner_id is None and verdict.altered is None
    for verdict in verify_faces(two_faces(), KEY):
        assert not verdict.marked and verdict.altered is None and verdict.sync < 8


def test_amplitude_keeps_the_psnr_budget_and_bad_input(detector):
    photo = one_face()
    face = detector.detect(photo)[0]
    assert fitting_amplitude(photo, [face], None, 40.5) == LEVELS[0]  # small face: full strength
    noisy = np.clip(photo + np.random.default_rng(0).normal(0, 3.0, photo.shape), 0, 255).astype(np.uint8)
    assert fitting_amplitude(noisy, [face], photo, 40.5) == LEVELS[-1]  # budget already spent elsewhere
    bare = dataclasses.replace(face, landmarks_dense=None)
    assert not markable(bare)
    assert np.array_equal(embed_faces(photo, [(bare, ALICE)], KEY), photo)  # nothing to mark: unchanged
    with pytest.raises(ValueError):
        embed_faces(photo[:40, :40], [(face, ALICE)], KEY)
    with pytest.raises(ValueError):
        embed_faces(photo, [(face, ALICE)], KEY, original=photo[:100])
    with pytest.raises(ValueError):
        landmarks_of(bare)


def test_ownership_mac_binds_the_face_count():
    plain = make_payload("Alice", WHEN)
    counted = dataclasses.replace(plain, faces=3)
    found, _ = ownership_payload.decode_soft(2.0 * ownership_payload.coded_bits(counted, KEY) - 1.0, KEY)
    assert found == counted and found.faces == 3
    assert ownership_payload.decode_soft(2.0 * ownership_payload.coded_bits(counted, KEY) - 1.0, "other")[0] is None
    # a count of 0 is the MAC marks had before counts existed, so they still read (as 0)
    data = plain.owner_id.to_bytes(4, "big") + plain.minutes.to_bytes(4, "big")
    bits = ownership_payload.message_bits(plain, KEY)
    assert np.array_equal(bits[ownership_payload.DATA_BITS:], mac_bits(KEY, data, ownership_payload.MAC_BITS))
    assert not np.array_equal(ownership_payload.message_bits(counted, KEY), bits)
    for bad in (-1, ownership_payload.FACE_COUNTS):
        with pytest.raises(ValueError):
            dataclasses.replace(plain, faces=bad)


def test_one_face_picture_records_its_count_and_a_lowered_mouth_is_named(detector):
    photo = one_face()
    marked, written, faces = mark_picture(photo, make_payload("Alice", WHEN), KEY, detector=detector)
    assert written.faces == len(faces) == 1 and psnr(photo, marked) >= 40
    clean = verify_picture(attacks.jpeg(90)(marked), KEY)
    assert clean.detection.payload == written
    (verdict,) = clean.faces
    assert verdict.owner_id == f"{owner_id('Alice'):08x}" and verdict.altered is False
    face = faces[0]
    eye = frame.eye_distance(face.landmarks5)
    edited = verify_picture(attacks.jpeg(90)(pull(marked, face.landmarks_dense[14], (0.0, 0.2 * eye), 0.25 * eye)),
                            KEY)
    (verdict,) = edited.faces
    assert verdict.altered is True and "mouth" in verdict.where
    assert not {"left eye", "right eye", "left brow", "right brow"} & set(verdict.where)


def test_one_face_picture_whose_face_is_replaced_is_altered(detector):
    """A larger face (the astronaut at 2×, eye distance about 84 px): swapped, then JPEG 90."""
    photo = cv2.resize(one_face(), (1024, 1024), interpolation=cv2.INTER_CUBIC)
    marked, written, faces = mark_picture(photo, make_payload("Alice", WHEN), KEY, detector=detector)
    assert written.faces == len(faces) == 1
    donor = np.ascontiguousarray(photo[:, ::-1, ::-1])
    swapped, _ = face_swap(marked, faces[0].landmarks_dense, donor, detector.detect(donor)[0].landmarks_dense)
    check = verify_picture(attacks.jpeg(90)(swapped), KEY)
    assert check.detection.payload == written  # the whole-image mark survives the swap
    (verdict,) = check.faces
    assert _whole_inner_face_replaced(verdict, ALICE)


def test_the_face_count_decides_whether_a_missing_face_mark_is_evidence(detector):
    """Only the left face of the two-face canvas gets a face mark; the right face has none."""
    canvas = two_faces()
    faces = detector.detect(canvas)
    marked = embed_faces(canvas, [(faces[0], ALICE)], KEY)
    reads = [read_face(luma(marked), f.landmarks5, KEY, wide=False) for f in faces]
    assert reads[0].found and not reads[1].found
    right = faces[1]
    # the whole-image mark says one face was marked: the right face was never marked, nothing is missing
    left, unmarked = judge_faces(faces, reads, marked_faces=1)
    assert left.owner_id == f"{ALICE:08x}" and left.altered is False
    assert not unmarked.marked and unmarked.altered is None and unmarked.where == ()
    # it says two: the right face lost its mark; the left face's mark still reads (the processing spared marks)
    left, missing = judge_faces(faces, reads, marked_faces=2)
    assert left.altered is False and missing.altered is True and missing.where == ("whole face",)
    assert "says 2 face(s) were marked and 1 carry a readable one" in missing.reasons[0]
    # the whole-image tamper map flagging around the mouth names where
    eye = frame.eye_distance(right.landmarks5)
    changed = np.zeros(canvas.shape[:2], np.uint8)
    for x, y in right.landmarks_dense[[61, 291, 13, 14]]:
        cv2.circle(changed, (round(float(x)), round(float(y))), round(0.25 * eye), 1, -1)
    _, missing = judge_faces(faces, reads, changed=changed.astype(bool), marked_faces=2)
    assert missing.altered is True and missing.where == ("mouth",)
    with pytest.raises(ValueError):
        judge_faces(faces, reads[:1], marked_faces=2)


def test_a_lone_face_without_its_mark_needs_the_tamper_map_as_witness(detector):
    photo = one_face()  # never marked: as if the face mark had been destroyed
    faces = detector.detect(photo)
    reads = [read_face(luma(photo), faces[0].landmarks5, KEY, wide=False)]
    assert not reads[0].found
    (verdict,) = judge_faces(faces, reads, marked_faces=1)
    assert verdict.altered is None  # a missing mark alone: processing may have lost it
    x0, y0, x1, y1 = (round(float(v)) for v in faces[0].box)
    box = np.zeros(photo.shape[:2], bool)
    box[y0:y1, x0:x1] = True
    (verdict,) = judge_faces(faces, reads, changed=box, marked_faces=1)
    assert verdict.altered is True and {"left eye", "right eye", "nose", "mouth"} <= set(verdict.where)
    assert "the whole-image mark is missing from 100 % of the face box" in verdict.reasons[0]
    (verdict,) = judge_faces(faces, reads, changed=box, marked_faces=0)  # no face was marked
    assert verdict.altered is None and verdict.reasons[0].startswith("note:")
    small = dataclasses.replace(faces[0], landmarks5=faces[0].landmarks5 * 0.5)  # eye distance about 21 px
    (verdict,) = judge_faces([small], reads, changed=box, marked_faces=1)
    assert verdict.altered is None  # too small for its missing mark to mean anything


def test_mark_picture_records_the_faces_it_marked_even_when_detection_changes(detector):
    class SeesNothingFirst:
        """Finds no face on the unmarked picture, the real faces afterwards (as on a marginal face)."""

        def __init__(self) -> None:
            self.calls = 0

        def detect(self, rgb: np.ndarray) -> list:
            self.calls += 1
            return [] if self.calls == 1 else detector.detect(rgb)

    photo = one_face()
    marked, written, faces = mark_picture(photo, make_payload("Alice", WHEN), KEY, [BOB], detector=SeesNothingFirst())
    assert written.faces == len(faces) == 1  # the ownership mark was made again with the count of faces marked
    assert detect(marked, KEY).payload == written
    assert read_face(luma(marked), faces[0].landmarks5, KEY).payload.owner_id == BOB
    with pytest.raises(ValueError):
        mark_picture(photo[:40, :40], make_payload("Alice", WHEN), KEY, detector=detector)
