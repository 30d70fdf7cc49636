from django.urls import path

from . import correction_views, draft_views, resident_views, status_views
from .views import access, review, start, steps

app_name = "submissions"

urlpatterns = [
    path("", start.home, name="home"),
    path("apply/<str:token>/", draft_views.resume, name="resume"),
    path("apply/<str:token>/saved/", draft_views.saved, name="saved"),
    path("apply/<str:token>/step/<int:number>/", steps.step, name="step"),
    path("apply/<str:token>/review/", review.review, name="review"),
    path("apply/<str:token>/discard/", review.discard, name="discard"),
    path("apply/<str:token>/verify-again/", access.verify_again, name="verify_again"),
    path("done/<uuid:public_id>/", review.done, name="done"),
    path(
        "done/<uuid:public_id>/status/",
        status_views.from_confirmation,
        name="status_from_confirmation",
    ),
    # The status page of one application (secret link; "token" keeps it out of logs).
    path("status/<str:token>/", status_views.status, name="status"),
    path("status/<str:token>/withdraw/", status_views.withdraw, name="status_withdraw"),
    path("status/<str:token>/results/<int:pk>/", status_views.result, name="status_result"),
    path("correct/<str:token>/", correction_views.correction, name="correction"),
    path(
        "correct/<str:token>/review/",
        correction_views.correction_review,
        name="correction_review",
    ),
    path(
        "correct/<str:token>/verify-again/",
        correction_views.verify_again,
        name="correction_verify_again",
    ),
    # Before the catch-all patterns below, which would read "mypage" as a city code.
    path("mypage/<str:lg_code>/", resident_views.mypage, name="mypage"),
    path("mypage/<str:lg_code>/login/", resident_views.mypage_login, name="mypage_login"),
    path("mypage/<str:lg_code>/logout/", resident_views.mypage_logout, name="mypage_logout"),
    path(
        "mypage/<str:lg_code>/drafts/<int:pk>/continue/",
        resident_views.continue_draft,
        name="mypage_continue_draft",
    ),
    path(
        "mypage/<str:lg_code>/results/<int:pk>/",
        resident_views.result_download,
        name="result_download",
    ),
    path("<str:lg_code>/", start.procedures, name="procedures"),
    path("<str:lg_code>/<slug:slug>/", start.form_start, name="form_start"),
]
